// Routes of notification: the server-sent event stream, the event inbox, and webhooks with
// their delivery records (doc/notify.md).
#include <array>
#include <boost/json.hpp>
#include <charconv>

#include "api/handlers.h"
#include "api/routes.h"
#include "common/encoding.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/time.h"
#include "http/problem.h"
#include "notify/webhooks.h"

namespace aiip::api {
namespace bj = boost::json;
using http::JsonResponse;
using http::Request;
using http::Response;
using registry::Actor;

namespace {

// Hands the connection's sink to the hub once the response head is out.
class HubStreamSource final : public http::StreamSource {
 public:
  HubStreamSource(notify::StreamHub& hub, notify::StreamFilter filter, std::optional<int64_t> after)
      : hub_(hub), filter_(std::move(filter)), after_(after) {}
  void Attach(std::shared_ptr<http::StreamSink> sink) override {
    hub_.Subscribe(std::move(sink), filter_, after_);
  }

 private:
  notify::StreamHub& hub_;
  notify::StreamFilter filter_;
  std::optional<int64_t> after_;
};

Result<std::optional<int64_t>> ResumePoint(const Request& request) {
  std::optional<std::string_view> text = request.Header("last-event-id");
  std::string field = "Last-Event-ID";
  if (!text) {
    text = request.Query("last_event_id");
    field = "last_event_id";
  }
  if (!text) return std::optional<int64_t>();
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size() || value < 0) {
    return Err(InvalidArgument("wrong-type", field + " must be the non-negative id of an event", field));
  }
  return std::optional<int64_t>(value);
}

Result<std::vector<std::string>> KindsParam(const Request& request) {
  std::vector<std::string> kinds;
  auto text = request.Query("kinds");
  if (!text) return kinds;
  size_t start = 0;
  while (start <= text->size()) {
    size_t end = text->find(',', start);
    if (end == std::string_view::npos) end = text->size();
    std::string kind(text->substr(start, end - start));
    std::string bare = !kind.empty() && kind.back() == '.' ? kind.substr(0, kind.size() - 1) : kind;
    if (!notify::IsValidKind(bare)) {
      return Err(InvalidArgument("invalid-value",
                                 "'kinds' is a comma-separated list of event kinds or prefixes ending in '.'",
                                 "kinds"));
    }
    kinds.push_back(std::move(kind));
    start = end + 1;
  }
  return kinds;
}

// Admins may read every organisation's events with ?all=true; everyone else reads their own.
Result<std::optional<std::string>> RecipientFor(const Request& request, const Actor& actor) {
  auto all = request.Query("all");
  if (all && *all == "true") {
    if (!actor.HasRole("admin"))
      return Err(PermissionDenied("only administrators may read every organisation's events"));
    return std::optional<std::string>();
  }
  if (actor.organisation.empty()) return Err(PermissionDenied("the caller belongs to no organisation"));
  return std::optional<std::string>(actor.organisation);
}

bj::object WebhookJson(const notify::Webhook& webhook) {
  bj::array kinds;
  for (const std::string& kind : webhook.kinds) kinds.emplace_back(kind);
  return bj::object{
      {"id", webhook.id},          {"organisation", webhook.organisation}, {"url", webhook.url},
      {"kinds", std::move(kinds)}, {"created_at", webhook.created_at},     {"disabled", webhook.disabled}};
}

bj::object DeliveryJson(const notify::Delivery& d) {
  auto opt = [](const auto& value) { return value ? bj::value(*value) : bj::value(nullptr); };
  return bj::object{
      {"event_seq", d.event_seq},
      {"webhook", d.webhook},
      {"state", d.state},
      {"attempts", d.attempts},
      {"next_attempt_at", d.state == "pending" ? bj::value(d.next_attempt_at) : bj::value(nullptr)},
      {"last_attempt_at", opt(d.last_attempt_at)},
      {"last_status", opt(d.last_status)},
      {"last_error", opt(d.last_error)},
      {"delivered_at", opt(d.delivered_at)}};
}

Status CheckOwns(const Actor& actor, std::string_view organisation) {
  if (actor.HasRole("admin") || actor.organisation == organisation) return Status::Ok();
  return NotFound("no such webhook");
}

}  // namespace

void RegisterNotifyRoutes(http::Router& router, ApiContext& ctx) {
  if (ctx.events == nullptr || ctx.hub == nullptr) return;
  registry::Registry& reg = ctx.registry;
  notify::EventLog& events = *ctx.events;
  notify::StreamHub& hub = *ctx.hub;
  store::Store& store = ctx.store;
  const Clock& clock = ctx.clock;
  const bool allow_http = ctx.webhook_allow_http;
  const std::vector<std::string> any;
  const std::vector<std::string> managers{"admin", "org-admin"};

  AddAuthenticated(router, reg, "GET", "/api/v1/stream", "stream.get", any,
                   [&hub](Request& request, const Actor& actor) -> Result<Response> {
                     AIIP_ASSIGN_OR_RETURN(auto recipient, RecipientFor(request, actor));
                     AIIP_ASSIGN_OR_RETURN(auto kinds, KindsParam(request));
                     AIIP_ASSIGN_OR_RETURN(auto after, ResumePoint(request));
                     Response response;
                     response.content_type = "text/event-stream";
                     // Browsers reconnect after `retry` ms and resend the last id they saw.
                     response.body = ": aiip event stream\nretry: 3000\n\n";
                     response.SetHeader("x-accel-buffering", "no");
                     response.stream = std::make_shared<HubStreamSource>(
                         hub, notify::StreamFilter{std::move(recipient), std::move(kinds)}, after);
                     return response;
                   });

  AddAuthenticated(
      router, reg, "GET", "/api/v1/events", "events.list", any,
      [&events](Request& request, const Actor& actor) -> Result<Response> {
        AIIP_ASSIGN_OR_RETURN(auto recipient, RecipientFor(request, actor));
        AIIP_ASSIGN_OR_RETURN(auto after, QueryInt(request, "after", false));
        AIIP_ASSIGN_OR_RETURN(auto limit, QueryInt(request, "limit", false));
        if (limit && (*limit < 1 || *limit > 1000)) {
          return Err(InvalidArgument("out-of-range", "'limit' must be between 1 and 1000", "limit"));
        }
        if (after && *after > static_cast<uint64_t>(INT64_MAX)) {
          return Err(InvalidArgument("out-of-range", "'after' is too large", "after"));
        }
        AIIP_ASSIGN_OR_RETURN(
            auto list, events.Read(recipient, static_cast<int64_t>(after.value_or(0)), limit.value_or(100)));
        bj::array items;
        for (const notify::Event& event : list) items.push_back(event.AsSeenBy(recipient).ToJson());
        bj::value last = list.empty() ? bj::value(nullptr) : bj::value(list.back().seq);
        return JsonResponse(200, bj::object{{"items", std::move(items)}, {"last_seq", last}});
      });

  AddAuthenticated(
      router, reg, "POST", "/api/v1/webhooks", "webhooks.create", managers,
      [&store, &clock, &ctx, allow_http](Request& request, const Actor& actor) -> Result<Response> {
        AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
        json::ObjectReader reader(body);
        std::string url = reader.RequiredString("url", 2048);
        auto kinds = reader.OptionalStringArray("kinds", 32, 64);
        auto secret = reader.OptionalString("secret", 256);
        auto organisation = reader.OptionalString("organisation", 64);
        if (reader.ok()) {
          if (Status valid = notify::ValidateWebhookUrl(url, allow_http, "/url"); !valid.ok())
            reader.Fail(valid);
        }
        if (reader.ok() && kinds) {
          for (size_t i = 0; i < kinds->size(); ++i) {
            if (!notify::IsValidKind((*kinds)[i])) {
              reader.Fail(InvalidArgument("invalid-value",
                                          "an event kind is lower-case letters, digits, '-' and '.'",
                                          "/kinds/" + std::to_string(i)));
              break;
            }
          }
        }
        if (reader.ok() && secret && secret->size() < 16) {
          reader.Fail("secret", "out-of-range", "a webhook secret has at least 16 characters");
        }
        AIIP_RETURN_IF_ERROR(reader.Finish());
        std::string org = organisation.value_or(actor.organisation);
        if (org != actor.organisation && !actor.HasRole("admin")) {
          return Err(PermissionDenied("only administrators may register webhooks for another organisation"));
        }
        std::string secret_value = secret.value_or("");
        if (secret_value.empty()) {
          std::array<uint8_t, 32> bytes{};
          SecureRandom().Fill(bytes);
          secret_value = "whsec_" + HexEncode(bytes);
        }
        notify::Webhook webhook{
            NewId("whk", clock, SecureRandom()), org,  url, kinds.value_or(std::vector<std::string>{}),
            FormatRfc3339(clock.Now()),          false};
        bj::object audited = WebhookJson(webhook);
        Status written = store.Write([&](store::Tx& tx) -> Status {
          AIIP_RETURN_IF_ERROR(StatusOf(notify::InsertWebhook(tx, webhook, secret_value)));
          return ctx.append_audit(tx, registry::AuditEvent{actor.member, actor.organisation, "webhook.create",
                                                           webhook.id, bj::serialize(audited)});
        });
        AIIP_RETURN_IF_ERROR(written);
        bj::object out = WebhookJson(webhook);
        out["secret"] = secret_value;  // shown once
        Response response = JsonResponse(201, out);
        response.SetHeader("location", "/api/v1/webhooks/" + webhook.id);
        return response;
      });

  AddAuthenticated(router, reg, "GET", "/api/v1/webhooks", "webhooks.list", any,
                   [&store](Request&, const Actor& actor) -> Result<Response> {
                     std::optional<std::string> organisation;
                     if (!actor.HasRole("admin")) organisation = actor.organisation;
                     std::vector<notify::Webhook> hooks;
                     Status read = store.Read([&](store::Tx& tx) -> Status {
                       AIIP_ASSIGN_OR_RETURN(hooks, notify::ListWebhooks(tx, organisation));
                       return Status::Ok();
                     });
                     AIIP_RETURN_IF_ERROR(read);
                     bj::array items;
                     for (const notify::Webhook& hook : hooks) items.push_back(WebhookJson(hook));
                     return ListResponse(std::move(items), std::nullopt);
                   });

  AddAuthenticated(router, reg, "DELETE", "/api/v1/webhooks/{id}", "webhooks.delete", managers,
                   [&store, &clock, &ctx](Request& request, const Actor& actor) -> Result<Response> {
                     const std::string& id = request.PathParam("id");
                     Status written = store.Write([&](store::Tx& tx) -> Status {
                       AIIP_ASSIGN_OR_RETURN(notify::Webhook hook, notify::GetWebhook(tx, id));
                       AIIP_RETURN_IF_ERROR(CheckOwns(actor, hook.organisation));
                       AIIP_RETURN_IF_ERROR(notify::DisableWebhook(tx, id, FormatRfc3339(clock.Now())));
                       hook.disabled = true;
                       return ctx.append_audit(
                           tx, registry::AuditEvent{actor.member, actor.organisation, "webhook.disable", id,
                                                    bj::serialize(WebhookJson(hook))});
                     });
                     AIIP_RETURN_IF_ERROR(written);
                     return NoContent();
                   });

  AddAuthenticated(
      router, reg, "GET", "/api/v1/webhooks/{id}/deliveries", "webhooks.deliveries", any,
      [&store](Request& request, const Actor& actor) -> Result<Response> {
        AIIP_ASSIGN_OR_RETURN(auto after, QueryInt(request, "after", false));
        AIIP_ASSIGN_OR_RETURN(auto limit, QueryInt(request, "limit", false));
        if (limit && (*limit < 1 || *limit > 1000)) {
          return Err(InvalidArgument("out-of-range", "'limit' must be between 1 and 1000", "limit"));
        }
        if (after && *after > static_cast<uint64_t>(INT64_MAX)) {
          return Err(InvalidArgument("out-of-range", "'after' is too large", "after"));
        }
        const std::string& id = request.PathParam("id");
        std::vector<notify::Delivery> deliveries;
        Status read = store.Read([&](store::Tx& tx) -> Status {
          AIIP_ASSIGN_OR_RETURN(notify::Webhook hook, notify::GetWebhook(tx, id));
          AIIP_RETURN_IF_ERROR(CheckOwns(actor, hook.organisation));
          AIIP_ASSIGN_OR_RETURN(
              deliveries,
              notify::ListDeliveries(tx, id, static_cast<int64_t>(after.value_or(0)), limit.value_or(100)));
          return Status::Ok();
        });
        AIIP_RETURN_IF_ERROR(read);
        bj::array items;
        for (const notify::Delivery& d : deliveries) items.push_back(DeliveryJson(d));
        return JsonResponse(200, bj::object{{"items", std::move(items)}});
      });
}

}  // namespace aiip::api
