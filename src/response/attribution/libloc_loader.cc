#include "response/attribution/libloc_loader.h"

#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "response/attribution/libloc_c.h"

namespace aiip::attribution {

namespace {

struct ContextUnref {
  void operator()(loc_ctx* ctx) const { loc_unref(ctx); }
};
struct DatabaseUnref {
  void operator()(loc_database* db) const { loc_database_unref(db); }
};
struct EnumeratorUnref {
  void operator()(loc_database_enumerator* e) const { loc_database_enumerator_unref(e); }
};
struct FileClose {
  void operator()(FILE* f) const { std::fclose(f); }
};

Status BadDb(const std::string& path, std::string detail) {
  return InvalidArgument("invalid-location-db", "location database " + path + ": " + detail);
}

// libloc writes its diagnostics to stderr unless told otherwise; a library must not, and
// every failure reaches the caller as a Status.
void DiscardLog(loc_ctx* /*ctx*/, int /*priority*/, const char* /*file*/, int /*line*/, const char* /*fn*/,
                const char* /*format*/, va_list /*args*/) {}

double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Result<LoadedDataset> LoadLocationDb(const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  std::unique_ptr<FILE, FileClose> file(std::fopen(path.c_str(), "re"));
  if (!file) return Err(NotFound("location database " + path + " cannot be opened: " + std::strerror(errno)));

  loc_ctx* raw_ctx = nullptr;
  if (loc_new(&raw_ctx) != 0) return Err(Internal("libloc: cannot create a context"));
  std::unique_ptr<loc_ctx, ContextUnref> ctx(raw_ctx);
  loc_set_log_fn(ctx.get(), DiscardLog);
  loc_database* raw_db = nullptr;
  if (loc_database_new(ctx.get(), &raw_db, file.get()) != 0) return Err(BadDb(path, "libloc cannot open it"));
  std::unique_ptr<loc_database, DatabaseUnref> db(raw_db);

  LoadedDataset loaded;
  const char* vendor = loc_database_get_vendor(db.get());
  loaded.info.vendor = vendor != nullptr ? vendor : "";
  loaded.info.created_at = SystemTime(std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::seconds(static_cast<int64_t>(loc_database_created_at(db.get())))));
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(path, ec);
  loaded.info.source = ec ? path : absolute.lexically_normal().string();
  loaded.info.id = MakeDatasetId(loaded.info.vendor, loaded.info.created_at, loaded.info.source);

  TableBuilder builder;
  loc_database_enumerator* raw_enum = nullptr;
  if (loc_database_enumerator_new(&raw_enum, db.get(), LOC_DB_ENUMERATE_ASES, 0) != 0) {
    return Err(BadDb(path, "cannot enumerate its ASes"));
  }
  std::unique_ptr<loc_database_enumerator, EnumeratorUnref> ases(raw_enum);
  for (;;) {
    loc_as* as = nullptr;
    if (loc_database_enumerator_next_as(ases.get(), &as) != 0)
      return Err(BadDb(path, "AS list is unreadable"));
    if (as == nullptr) break;
    const char* name = loc_as_get_name(as);
    builder.AddAs(loc_as_get_number(as), name != nullptr ? name : "");
    ++loaded.stats.ases;
    loc_as_unref(as);
  }

  raw_enum = nullptr;
  if (loc_database_enumerator_new(&raw_enum, db.get(), LOC_DB_ENUMERATE_NETWORKS, 0) != 0) {
    return Err(BadDb(path, "cannot enumerate its networks"));
  }
  std::unique_ptr<loc_database_enumerator, EnumeratorUnref> networks(raw_enum);
  for (;;) {
    loc_network* network = nullptr;
    if (loc_database_enumerator_next_network(networks.get(), &network) != 0) {
      return Err(BadDb(path, "network tree is unreadable"));
    }
    if (network == nullptr) break;
    const in6_addr* first = loc_network_get_first_address(network);
    Uint128 bits = 0;
    for (uint8_t byte : first->s6_addr) bits = (bits << 8) | byte;
    const int length = static_cast<int>(loc_network_prefix(network));
    const bool v4 = loc_network_address_family(network) == AF_INET;
    auto prefix = v4 ? Prefix::Of(IpAddress::V4(static_cast<uint32_t>(bits)), length)
                     : Prefix::Of(IpAddress::V6(bits), length);
    const char* country = loc_network_get_country_code(network);
    uint8_t flags = 0;
    if (loc_network_has_flag(network, LOC_NETWORK_FLAG_ANONYMOUS_PROXY)) flags |= kAnonymousProxy;
    if (loc_network_has_flag(network, LOC_NETWORK_FLAG_SATELLITE_PROVIDER)) flags |= kSatelliteProvider;
    if (loc_network_has_flag(network, LOC_NETWORK_FLAG_ANYCAST)) flags |= kAnycast;
    if (loc_network_has_flag(network, LOC_NETWORK_FLAG_DROP)) flags |= kDrop;
    Status added =
        prefix ? builder.AddNetwork(*prefix, loc_network_get_asn(network), country ? country : "", flags)
               : prefix.error();
    if (!added.ok()) {
      const char* text = loc_network_str(network);
      const std::string shown = text != nullptr ? text : "?";
      loc_network_unref(network);
      return Err(BadDb(path, "network " + shown + ": " + added.detail()));
    }
    loc_network_unref(network);
    ++(v4 ? loaded.stats.v4_networks : loaded.stats.v6_networks);
  }
  loaded.stats.read_seconds = SecondsSince(start);

  const auto build_start = std::chrono::steady_clock::now();
  AIIP_ASSIGN_OR_RETURN(Table table, builder.Build());
  loaded.stats.build_seconds = SecondsSince(build_start);
  loaded.table = std::make_shared<const Table>(std::move(table));
  return loaded;
}

}  // namespace aiip::attribution
