#include "notify/mail_smtp.h"

#include <curl/curl.h>

#include <algorithm>
#include <boost/url/parse.hpp>
#include <cstring>
#include <memory>
#include <mutex>

namespace aiip::notify {

namespace {

struct Upload {
  std::string_view data;
  size_t offset = 0;
};

size_t ReadUpload(char* buffer, size_t size, size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;
}

struct EasyDeleter {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct ListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

MailOutcome Send(const SmtpOptions& options, const MailEnvelope& envelope) {
  MailOutcome outcome;
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) {
    outcome.error = "libcurl could not create a handle";
    return outcome;
  }
  const std::string from = "<" + envelope.from + ">";
  const std::string to = "<" + envelope.to + ">";
  std::unique_ptr<curl_slist, ListDeleter> recipients(curl_slist_append(nullptr, to.c_str()));
  Upload upload{envelope.message, 0};
  char error_buffer[CURL_ERROR_SIZE] = {0};
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, options.relay.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count() * 1000));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count() * 1000));
  curl_easy_setopt(h, CURLOPT_USE_SSL,
                   static_cast<long>(options.starttls ? CURLUSESSL_ALL : CURLUSESSL_NONE));
  curl_easy_setopt(h, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!options.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options.ca_file.c_str());
  if (!options.username.empty()) {
    curl_easy_setopt(h, CURLOPT_USERNAME, options.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, options.password.c_str());
  }
  curl_easy_setopt(h, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(h, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(h, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(h, CURLOPT_READDATA, &upload);
  curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(envelope.message.size()));

  const CURLcode code = curl_easy_perform(h);
  long reply = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply);
  outcome.reply = static_cast<int>(reply);
  if (code != CURLE_OK) {
    outcome.error = curl_easy_strerror(code);
    if (error_buffer[0] != '\0') outcome.error += std::string(": ") + error_buffer;
    if (outcome.error.empty()) outcome.error = "the relay did not accept the message";
  }
  return outcome;
}

}  // namespace

Status ValidateSmtpRelay(std::string_view relay, std::string_view field) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("invalid-value", "SMTP relay " + why, std::string(field));
  };
  auto parsed = boost::urls::parse_absolute_uri(relay);
  if (!parsed) return bad("is not a URL such as smtp://mail.example.org:587");
  std::string scheme(parsed->scheme());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (scheme != "smtp" && scheme != "smtps") return bad("must use smtp:// or smtps://");
  if (!parsed->has_authority() || parsed->encoded_host().empty()) return bad("has no host");
  if (parsed->has_userinfo())
    return bad("must not carry credentials (use smtp_username and smtp_password_file)");
  if (!parsed->encoded_path().empty() && parsed->encoded_path() != "/") return bad("must not have a path");
  if (parsed->has_query() || parsed->has_fragment()) return bad("must not have a query or fragment");
  return Status::Ok();
}

Result<MailSender> MakeSmtpSender(SmtpOptions options) {
  AIIP_RETURN_IF_ERROR(ValidateSmtpRelay(options.relay, "smtp_relay"));
  std::string scheme(boost::urls::parse_absolute_uri(options.relay)->scheme());
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  const bool implicit_tls = scheme == "smtps";
  if (!options.username.empty() && !implicit_tls && !options.starttls) {
    return Err(InvalidArgument(
        "invalid-value", "SMTP credentials would travel unencrypted: use smtps:// or smtp_starttls = true",
        "smtp_username"));
  }
  static std::once_flag once;
  static CURLcode init = CURLE_OK;
  std::call_once(once, [] { init = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (init != CURLE_OK) {
    return Err(
        FailedPrecondition("smtp", std::string("libcurl could not start: ") + curl_easy_strerror(init)));
  }
  return MailSender(
      [options = std::move(options)](const MailEnvelope& envelope) { return Send(options, envelope); });
}

}  // namespace aiip::notify
