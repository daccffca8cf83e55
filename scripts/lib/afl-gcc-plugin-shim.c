/* A GCC plugin that loads AFL++'s GCC instrumentation plugin (afl-gcc-pass.so) past GCC's
 * plugin version check, built and used by scripts/fuzz only when that check fails.
 *
 * Why: Debian 12's afl++ 4.04c-4 was built against gcc 12.2.0-14; bookworm has since moved
 * to 12.2.0-14+deb12u1, whose configure arguments differ in the package version and build
 * path. GCC's plugin_default_version_check compares those strings verbatim, so
 * afl-g++-fast aborts with "GCC and plugin have incompatible versions, expected GCC 12.2.0,
 * is 12.2.0" although both are GCC 12.2.0 with the same plugin ABI. AFL++ 4.21 added
 * AFL_GCC_DISABLE_VERSION_CHECK for this case; 4.04c has no such switch. So this shim,
 * installed under the real plugin's name in a private AFL_PATH, passes the real plugin the
 * version record it was built against, with every field but the configure arguments taken
 * from the running compiler, so a real version mismatch is still refused.
 *
 * Build: gcc -shared -fPIC -DAIIP_REAL_PLUGIN='"/usr/lib/afl/afl-gcc-pass.so"'
 *            -DAIIP_PLUGIN_CONFIGURE_ARGS='"<configure arguments found in the real plugin>"'
 */
#include <dlfcn.h>
#include <stdio.h>

/* From GCC's gcc-plugin.h (plugin-api stable since GCC 4.5); declared here so that the
 * shim builds without gcc-12-plugin-dev. The shim only forwards `info`. */
struct plugin_name_args;
struct plugin_gcc_version {
  const char *basever;
  const char *datestamp;
  const char *devphase;
  const char *revision;
  const char *configuration_arguments;
};

/* GCC refuses plugins that do not declare this; the real plugin is GPL too. */
int plugin_is_GPL_compatible = 1;

int plugin_init(struct plugin_name_args *info, struct plugin_gcc_version *version) {
  /* RTLD_GLOBAL as GCC itself loads plugins: the real plugin resolves GCC's own symbols. */
  void *real = dlopen(AIIP_REAL_PLUGIN, RTLD_NOW | RTLD_GLOBAL);
  if (real == NULL) {
    fprintf(stderr, "afl-gcc-plugin-shim: cannot load %s: %s\n", AIIP_REAL_PLUGIN, dlerror());
    return 1;
  }
  int (*real_init)(struct plugin_name_args *, struct plugin_gcc_version *);
  *(void **)&real_init = dlsym(real, "plugin_init");
  if (real_init == NULL) {
    fprintf(stderr, "afl-gcc-plugin-shim: %s has no plugin_init\n", AIIP_REAL_PLUGIN);
    return 1;
  }
  struct plugin_gcc_version as_built = *version;
  as_built.configuration_arguments = AIIP_PLUGIN_CONFIGURE_ARGS;
  return real_init(info, &as_built);
}
