// Routes of e-mail delivery: the addresses an organisation registers to receive its events
// by e-mail, and the delivery record of each (doc/notify.md "E-mail").
#include <boost/json.hpp>

#include "api/handlers.h"
#include "api/routes.h"
#include "common/ids.h"
#include "common/json.h"
#include "common/random.h"
#include "common/time.h"
#include "http/problem.h"
#include "notify/mail.h"
#include "notify/mail_message.h"
#include "notify/webhooks.h"

namespace aiip::api {
namespace bj = boost::json;
using http::JsonResponse;
using http::Request;
using http::Response;
using registry::Actor;

namespace {

bj::object RecipientJson(const notify::MailRecipient& recipient) {
  bj::array kinds;
  for (const std::string& kind : recipient.kinds) kinds.emplace_back(kind);
  return bj::object{{"id", recipient.id},
                    {"organisation", recipient.organisation},
                    {"address", recipient.address},
                    {"kinds", std::move(kinds)},
                    {"created_at", recipient.created_at},
                    {"disabled", recipient.disabled}};
}

bj::object DeliveryJson(const notify::MailDelivery& d) {
  auto opt = [](const auto& value) { return value ? bj::value(*value) : bj::value(nullptr); };
  return bj::object{
      {"event_seq", d.event_seq},
      {"recipient", d.recipient},
      {"state", d.state},
      {"attempts", d.attempts},
      {"next_attempt_at", d.state == "pending" ? bj::value(d.next_attempt_at) : bj::value(nullptr)},
      {"last_attempt_at", opt(d.last_attempt_at)},
      {"last_reply", opt(d.last_reply)},
      {"last_error", opt(d.last_error)},
      {"delivered_at", opt(d.delivered_at)}};
}

// Another organisation's recipient is answered as absent, as for webhooks.
Status CheckOwns(const Actor& actor, std::string_view organisation) {
  if (actor.HasRole("admin") || actor.organisation == organisation) return Status::Ok();
  return NotFound("no such mail recipient");
}

}  // namespace

void RegisterMailRoutes(http::Router& router, ApiContext& ctx) {
  registry::Registry& reg = ctx.registry;
  store::Store& store = ctx.store;
  const Clock& clock = ctx.clock;
  const std::vector<std::string> any;
  const std::vector<std::string> managers{"admin", "org-admin"};

  AddAuthenticated(
      router, reg, "POST", "/api/v1/mail-recipients", "mail_recipients.create", managers,
      [&store, &clock, &ctx](Request& request, const Actor& actor) -> Result<Response> {
        AIIP_ASSIGN_OR_RETURN(auto body, ParseJsonBody(request));
        json::ObjectReader reader(body);
        std::string address = reader.RequiredString("address", 254);
        auto kinds = reader.OptionalStringArray("kinds", 32, 64);
        auto organisation = reader.OptionalString("organisation", 64);
        if (reader.ok()) {
          if (Status valid = notify::ValidateMailAddress(address, "/address"); !valid.ok())
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
        AIIP_RETURN_IF_ERROR(reader.Finish());
        std::string org = organisation.value_or(actor.organisation);
        if (org.empty()) {
          return Err(InvalidArgument("missing-field", "the node itself must name the organisation",
                                     "/organisation"));
        }
        if (org != actor.organisation && !actor.HasRole("admin")) {
          return Err(
              PermissionDenied("only administrators may register mail recipients for another organisation"));
        }
        notify::MailRecipient recipient{
            NewId("mrc", clock, SecureRandom()), org,  address, kinds.value_or(std::vector<std::string>{}),
            FormatRfc3339(clock.Now()),          false};
        bj::object out = RecipientJson(recipient);
        Status written = store.Write([&](store::Tx& tx) -> Status {
          AIIP_ASSIGN_OR_RETURN(store::Rows known,
                                tx.Query("SELECT id FROM organisations WHERE id = ?", {org}));
          if (known.empty()) {
            return InvalidArgument("invalid-value", "no organisation " + org, "/organisation");
          }
          AIIP_RETURN_IF_ERROR(StatusOf(notify::InsertMailRecipient(tx, recipient)));
          return ctx.append_audit(
              tx, registry::AuditEvent{actor.member, actor.organisation, "mail_recipient.create",
                                       recipient.id, bj::serialize(out)});
        });
        AIIP_RETURN_IF_ERROR(written);
        if (!ctx.mail_enabled) {
          out["note"] = "this node has no SMTP relay configured: deliveries wait until one is";
        }
        Response response = JsonResponse(201, out);
        response.SetHeader("location", "/api/v1/mail-recipients/" + recipient.id);
        return response;
      });

  AddAuthenticated(router, reg, "GET", "/api/v1/mail-recipients", "mail_recipients.list", any,
                   [&store](Request&, const Actor& actor) -> Result<Response> {
                     std::optional<std::string> organisation;
                     if (!actor.HasRole("admin")) organisation = actor.organisation;
                     std::vector<notify::MailRecipient> recipients;
                     Status read = store.Read([&](store::Tx& tx) -> Status {
                       AIIP_ASSIGN_OR_RETURN(recipients, notify::ListMailRecipients(tx, organisation));
                       return Status::Ok();
                     });
                     AIIP_RETURN_IF_ERROR(read);
                     bj::array items;
                     for (const notify::MailRecipient& r : recipients) items.push_back(RecipientJson(r));
                     return ListResponse(std::move(items), std::nullopt);
                   });

  AddAuthenticated(
      router, reg, "DELETE", "/api/v1/mail-recipients/{id}", "mail_recipients.delete", managers,
      [&store, &clock, &ctx](Request& request, const Actor& actor) -> Result<Response> {
        const std::string& id = request.PathParam("id");
        Status written = store.Write([&](store::Tx& tx) -> Status {
          AIIP_ASSIGN_OR_RETURN(notify::MailRecipient recipient, notify::GetMailRecipient(tx, id));
          AIIP_RETURN_IF_ERROR(CheckOwns(actor, recipient.organisation));
          AIIP_RETURN_IF_ERROR(notify::DisableMailRecipient(tx, id, FormatRfc3339(clock.Now())));
          recipient.disabled = true;
          return ctx.append_audit(
              tx, registry::AuditEvent{actor.member, actor.organisation, "mail_recipient.disable", id,
                                       bj::serialize(RecipientJson(recipient))});
        });
        AIIP_RETURN_IF_ERROR(written);
        return NoContent();
      });

  AddAuthenticated(
      router, reg, "GET", "/api/v1/mail-recipients/{id}/deliveries", "mail_recipients.deliveries", any,
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
        std::vector<notify::MailDelivery> deliveries;
        Status read = store.Read([&](store::Tx& tx) -> Status {
          AIIP_ASSIGN_OR_RETURN(notify::MailRecipient recipient, notify::GetMailRecipient(tx, id));
          AIIP_RETURN_IF_ERROR(CheckOwns(actor, recipient.organisation));
          AIIP_ASSIGN_OR_RETURN(deliveries,
                                notify::ListMailDeliveries(tx, id, static_cast<int64_t>(after.value_or(0)),
                                                           limit.value_or(100)));
          return Status::Ok();
        });
        AIIP_RETURN_IF_ERROR(read);
        bj::array items;
        for (const notify::MailDelivery& d : deliveries) items.push_back(DeliveryJson(d));
        return JsonResponse(200, bj::object{{"items", std::move(items)}});
      });
}

}  // namespace aiip::api
