// aiip attack | mitigation | operator: the response network of a node — attack cases opened
// from an address list or a packet capture, and withdrawn by the victim; the mitigation inbox
// with acknowledgements and DOTS status; operators' ASNs (doc/cli.md, doc/response.md).

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "aiip/commands.h"
#include "common/encoding.h"
#include "common/json.h"
#include "common/time.h"
#include "responsenet/case_spec.h"

namespace aiip::cli {

namespace {

namespace bj = boost::json;

const std::vector<Column> kResponderColumns = {
    {"REQUEST", "id"},         {"RESPONDER", "responder"}, {"RUNG", "rung"},
    {"ASNS", "asns"},          {"SOURCES", "sources"},     {"PREFIXES", "prefixes"},
    {"STATE", "state"},        {"STATUS", "status_name"},  {"DROPPED B", "bytes_dropped"},
    {"ESCALATED", "escalated"}};
const std::vector<Column> kCountryColumns = {
    {"COUNTRY", "country"},       {"SOURCES", "sources"},           {"ASNS", "asns"},
    {"RESPONDERS", "responders"}, {"ACKNOWLEDGED", "acknowledged"}, {"POLICE", "law_enforcement"}};
const std::vector<Column> kInboxColumns = {
    {"ID", "id"},       {"CASE", "case"},          {"VICTIM", "victim"},
    {"RUNG", "rung"},   {"SOURCES", "sources"},    {"PREFIXES", "prefixes"},
    {"STATE", "state"}, {"STATUS", "status_name"}, {"SENT", "sent_at"}};
const std::vector<Column> kCaseColumns = {
    {"ID", "id"},           {"TARGET", "target"},     {"ATTACK TIME", "attack_time"},
    {"SOURCES", "sources"}, {"REQUESTS", "requests"}, {"ACKNOWLEDGED", "acknowledged"}};
const std::vector<Column> kWithdrawnColumns = {
    {"REQUEST", "id"}, {"RESPONDER", "responder"}, {"STATE", "state"}, {"STATUS", "status_name"}};
const std::vector<Column> kAsnColumns = {{"ASN", "asn"},
                                         {"ORGANISATION", "organisation"},
                                         {"VERIFIED", "verified"},
                                         {"VERIFIED AT", "verified_at"}};

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err(UsageError("cannot read " + path));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Replaces {"id", "name"} objects under `keys` of each item by the name, for tables.
bj::array NamesOnly(const bj::value& items, std::initializer_list<std::string_view> keys) {
  bj::array out;
  if (!items.is_array()) return out;
  for (bj::value item : items.get_array()) {
    if (item.is_object()) {
      for (std::string_view key : keys) {
        bj::value* v = item.get_object().if_contains(key);
        if (v != nullptr && v->is_object() && v->get_object().contains("name"))
          *v = v->get_object().at("name");
      }
    }
    out.push_back(std::move(item));
  }
  return out;
}

// Shows a case: its fields, then the per-responder and per-country tables.
Status ShowCase(Session& session, const bj::value& answer) {
  if (session.json()) return session.ShowObject(answer);
  if (!answer.is_object()) return InvalidResponse("the case is not a JSON object");
  bj::object attack = answer.get_object();
  bj::value responders = attack.contains("responders") ? attack["responders"] : bj::value(bj::array{});
  bj::value countries = attack.contains("countries") ? attack["countries"] : bj::value(bj::array{});
  for (std::string_view key : {"responders", "countries", "batches", "notices", "capture"}) attack.erase(key);
  AIIP_RETURN_IF_ERROR(session.ShowObject(attack));
  session.out() << "\nPer responder\n";
  session.ShowList(bj::object{{"items", NamesOnly(responders, {"responder"})}, {"next_cursor", nullptr}},
                   kResponderColumns);
  session.out() << "\nPer country\n";
  session.ShowList(bj::object{{"items", countries}, {"next_cursor", nullptr}}, kCountryColumns);
  return Status::Ok();
}

// Under the node's default body limit (max_body_bytes, 32 MiB) even after JSON escaping,
// which adds a byte per line: 1,000,000 addresses (about 17 MB) go in one request.
constexpr int64_t kDefaultPartBytes = 24 << 20;

// `text` cut after line ends into parts of at most `part_bytes` (a longer line is a part of
// its own), so that no address is split.
std::vector<std::string> SplitLines(std::string_view text, size_t part_bytes) {
  std::vector<std::string> parts;
  while (!text.empty()) {
    size_t cut = text.size();
    if (cut > part_bytes) {
      const size_t newline = text.rfind('\n', part_bytes - 1);
      cut = newline != std::string_view::npos ? newline + 1 : std::min(text.size(), text.find('\n') + 1);
      if (cut == 0) cut = text.size();
    }
    parts.emplace_back(text.substr(0, cut));
    text.remove_prefix(cut);
  }
  return parts;
}

// Where the sources of a case come from on the command line, and how they are sent.
struct SourceFile {
  std::optional<std::string> list, pcap;
  int64_t part_bytes = kDefaultPartBytes;

  // The JSON bodies to send in order; the first is `first` (the case fields when opening)
  // plus the first part of the sources. A list goes as "sources_text" in parts cut at line
  // ends. A capture that fits in one part goes whole, base64, as "capture" (the node keeps
  // its summary); a larger one is read here with the node's own reader, the target, ports,
  // protocol and window it shows fill the case fields not given (when opening), and its
  // distinct sources go as lists in parts.
  Result<std::vector<bj::object>> Bodies(bj::object first, bool opening) const {
    if (list.has_value() == pcap.has_value())
      return Err(UsageError("give exactly one of --sources or --pcap"));
    if (part_bytes < 64) return Err(UsageError("--part-bytes is at least 64"));
    const auto part = static_cast<size_t>(part_bytes);
    AIIP_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(list ? *list : *pcap));
    std::string text;
    if (list) {
      text = std::move(bytes);
    } else if ((bytes.size() + 2) / 3 * 4 <= part) {
      first["capture"] = Base64Encode(bytes);
      return std::vector<bj::object>{std::move(first)};
    } else {
      AIIP_ASSIGN_OR_RETURN(
          responsenet::SourceBatch batch,
          responsenet::ReadSources(bj::object{}, responsenet::RawSources{true, bytes}, SIZE_MAX));
      if (opening) {
        AIIP_ASSIGN_OR_RETURN(responsenet::CaseSpec spec,
                              responsenet::ReadCaseSpec(first, false, &*batch.capture));
        first["target"] = spec.target.ToString();
        if (!spec.ports.empty()) first["ports"] = responsenet::PortsText(spec.ports);
        if (spec.protocol) first["protocol"] = *spec.protocol;
        first["from"] = FormatRfc3339(spec.from);
        first["to"] = FormatRfc3339(spec.to);
        first["attack_time"] = FormatRfc3339(spec.attack_time);
      }
      std::sort(batch.addresses.begin(), batch.addresses.end());
      batch.addresses.erase(std::unique(batch.addresses.begin(), batch.addresses.end()),
                            batch.addresses.end());
      for (const attribution::IpAddress& a : batch.addresses) text += a.ToString() + "\n";
    }
    std::vector<bj::object> bodies;
    for (std::string& piece : SplitLines(text, part)) {
      bj::object body = bodies.empty() ? std::move(first) : bj::object{};
      body["sources_text"] = std::move(piece);
      bodies.push_back(std::move(body));
    }
    if (bodies.empty()) bodies.push_back(std::move(first));  // the node says what is missing
    return bodies;
  }
};

// Sends `bodies`: the first to `path` (POST /attacks, or a case's /sources), the rest as
// more sources of the case. Returns the last answer. A failed part says which, so the rest
// can be added with `aiip attack sources add`.
Result<bj::value> SendParts(Session& session, const std::string& path, std::vector<bj::object> bodies,
                            std::optional<std::string> case_id) {
  bj::value answer;
  for (size_t i = 0; i < bodies.size(); ++i) {
    const std::string target = i == 0 ? path : PathOf("attacks", *case_id) + "/sources";
    Result<bj::value> sent = session.Call(Method::kPost, target, {}, bodies[i]);
    if (!sent) {
      if (i > 0) {
        session.err() << "part " << i + 1 << " of " << bodies.size() << " was refused; case " << *case_id
                      << " holds the parts before it\n";
      }
      return sent;
    }
    answer = std::move(*sent);
    if (!case_id) {
      const bj::value* id = answer.is_object() ? answer.get_object().if_contains("id") : nullptr;
      if (id == nullptr || !id->is_string()) return Err(InvalidResponse("the opened case has no 'id'"));
      case_id = std::string(id->get_string());
    }
    if (bodies.size() > 1) {
      const bj::value* count = answer.get_object().if_contains("sources");
      session.err() << "part " << i + 1 << " of " << bodies.size() << " sent to case " << *case_id << ": "
                    << (count != nullptr ? bj::serialize(*count) : "?") << " distinct sources so far\n";
    }
  }
  return answer;
}

void AddAttackCommands(CLI::App& app, CommandTable& table) {
  CLI::App* attack =
      app.add_subcommand("attack", "Attack cases: sources to mitigation requests per operator");
  attack->require_subcommand(1);

  struct OpenOptions {
    std::optional<std::string> target, ports, protocol, from, to, at, victim;
    std::optional<int64_t> lifetime;
    SourceFile sources;
  };
  auto open = std::make_shared<OpenOptions>();
  CLI::App* open_cmd = attack->add_subcommand("open", "Open a case from an address list or a packet capture");
  AddOptional(open_cmd, "--target", open->target, "Attacked prefix (default: from the capture)");
  AddOptional(open_cmd, "--ports", open->ports, "Destination ports: 53 or 1-1024,8080");
  AddOptional(open_cmd, "--protocol", open->protocol, "udp, tcp, icmp, ... or a protocol number");
  AddOptional(open_cmd, "--from", open->from, "Start of the attack, RFC 3339 (default: first packet)");
  AddOptional(open_cmd, "--to", open->to, "End of the observed window, RFC 3339 (default: last packet)");
  AddOptional(open_cmd, "--at", open->at, "Attribute the sources as of this time (default: --from)");
  AddOptional(open_cmd, "--lifetime", open->lifetime, "Seconds the mitigation is asked for (default 3600)");
  AddOptional(open_cmd, "--victim", open->victim, "Victim organisation id (administrators)");
  AddOptional(open_cmd, "--sources", open->sources.list, "Address list: one per line, or CSV")
      ->check(CLI::ExistingFile);
  AddOptional(open_cmd, "--pcap", open->sources.pcap, "Packet capture (pcap or pcapng)")
      ->check(CLI::ExistingFile);
  open_cmd->add_option("--part-bytes", open->sources.part_bytes,
                       "Largest source text per request; more goes in parts (default 24 MiB)");
  table.Add(open_cmd, [open](Session& session) -> Status {
    bj::object body;
    auto add = [&](const char* key, const std::optional<std::string>& value) {
      if (value) body[key] = *value;
    };
    add("target", open->target);
    add("ports", open->ports);
    add("protocol", open->protocol);
    add("from", open->from);
    add("to", open->to);
    add("attack_time", open->at);
    add("victim", open->victim);
    if (open->lifetime) body["lifetime"] = *open->lifetime;
    AIIP_ASSIGN_OR_RETURN(std::vector<bj::object> bodies, open->sources.Bodies(std::move(body), true));
    AIIP_ASSIGN_OR_RETURN(bj::value answer,
                          SendParts(session, kApi + "/attacks", std::move(bodies), std::nullopt));
    return ShowCase(session, answer);
  });

  auto show_id = std::make_shared<std::string>();
  CLI::App* show =
      attack->add_subcommand("show", "Show a case with its per-responder and per-country tables");
  show->add_option("id", *show_id, "Case id")->required();
  table.Add(show, [show_id](Session& session) -> Status {
    AIIP_ASSIGN_OR_RETURN(bj::value answer, session.Call(Method::kGet, PathOf("attacks", *show_id)));
    return ShowCase(session, answer);
  });

  struct ListOptions {
    std::optional<std::string> victim;
    PageOptions page;
  };
  auto list = std::make_shared<ListOptions>();
  CLI::App* list_cmd = attack->add_subcommand("list", "List cases");
  AddOptional(list_cmd, "--victim", list->victim, "Victim organisation id (the Agency)");
  table.Add(list_cmd, Keep(list, ListAll(
                                     kApi + "/attacks",
                                     [list] {
                                       Query q;
                                       AddIfGiven(q, "victim", list->victim);
                                       return q;
                                     },
                                     list->page, kCaseColumns)));

  CLI::App* sources = attack->add_subcommand("sources", "Sources of a case");
  sources->require_subcommand(1);
  struct AddOptions {
    std::string id, file;
    bool pcap = false;
    int64_t part_bytes = kDefaultPartBytes;
  };
  auto add = std::make_shared<AddOptions>();
  CLI::App* add_cmd =
      sources->add_subcommand("add", "Add sources (an address list, or a capture with --pcap)");
  add_cmd->add_option("id", add->id, "Case id")->required();
  add_cmd->add_option("file", add->file, "Address list or capture")->required()->check(CLI::ExistingFile);
  add_cmd->add_flag("--pcap", add->pcap, "The file is a packet capture");
  add_cmd->add_option("--part-bytes", add->part_bytes,
                      "Largest source text per request; more goes in parts (default 24 MiB)");
  table.Add(add_cmd, [add](Session& session) -> Status {
    SourceFile file;
    (add->pcap ? file.pcap : file.list) = add->file;
    file.part_bytes = add->part_bytes;
    AIIP_ASSIGN_OR_RETURN(std::vector<bj::object> bodies, file.Bodies(bj::object{}, false));
    AIIP_ASSIGN_OR_RETURN(bj::value answer, SendParts(session, PathOf("attacks", add->id) + "/sources",
                                                      std::move(bodies), add->id));
    return ShowCase(session, answer);
  });

  struct EfficacyOptions {
    std::string id, status;
  };
  auto efficacy = std::make_shared<EfficacyOptions>();
  CLI::App* efficacy_cmd = attack->add_subcommand("efficacy", "Tell the responders whether mitigation works");
  efficacy_cmd->add_option("id", efficacy->id, "Case id")->required();
  efficacy_cmd->add_option("--status", efficacy->status, "under-attack or attack-successfully-mitigated")
      ->required();
  table.Add(
      efficacy_cmd,
      Keep(efficacy, ShowOne(
                         Method::kPost, [efficacy] { return PathOf("attacks", efficacy->id) + "/efficacy"; },
                         [efficacy] {
                           return bj::value(bj::object{{"attack-status", efficacy->status}});
                         })));

  struct WithdrawOptions {
    std::string id;
    std::vector<std::string> requests;
    std::optional<std::string> note;
  };
  auto withdraw = std::make_shared<WithdrawOptions>();
  CLI::App* withdraw_cmd = attack->add_subcommand(
      "withdraw", "Withdraw the whole case, or only the requests named (DOTS status 5 to the operators)");
  withdraw_cmd->add_option("id", withdraw->id, "Case id")->required();
  AddRepeatable(withdraw_cmd, "--request", withdraw->requests, "Withdraw only this request (repeatable)");
  AddOptional(withdraw_cmd, "--note", withdraw->note, "A note for the responders");
  table.Add(withdraw_cmd, [withdraw](Session& session) -> Status {
    bj::object body;
    if (!withdraw->requests.empty()) body["mitigations"] = ToArray(withdraw->requests);
    if (withdraw->note) body["note"] = *withdraw->note;
    AIIP_ASSIGN_OR_RETURN(
        bj::value answer,
        session.Call(Method::kPost, PathOf("attacks", withdraw->id) + "/withdraw", {}, body));
    if (session.json()) return session.ShowObject(answer);
    if (!answer.is_object() || !answer.get_object().contains("mitigations"))
      return InvalidResponse("the withdrawal answer has no 'mitigations'");
    const bj::object& result = answer.get_object();
    session.out() << "case " << result.at("case").as_string() << ": " << result.at("status").as_string()
                  << ", " << result.at("mitigations").as_array().size() << " request(s) withdrawn\n";
    session.ShowList(
        bj::object{{"items", NamesOnly(result.at("mitigations"), {"responder"})}, {"next_cursor", nullptr}},
        kWithdrawnColumns);
    return Status::Ok();
  });
}

void AddMitigationCommands(CLI::App& app, CommandTable& table) {
  CLI::App* mitigation =
      app.add_subcommand("mitigation", "Mitigation requests addressed to your organisation");
  mitigation->require_subcommand(1);

  struct ListOptions {
    std::optional<std::string> organisation, state;
    PageOptions page;
  };
  auto list = std::make_shared<ListOptions>();
  CLI::App* list_cmd = mitigation->add_subcommand("list", "Your inbox");
  AddOptional(list_cmd, "--org", list->organisation, "Organisation id (the Agency)");
  AddOptional(list_cmd, "--state", list->state, "sent, acknowledged, mitigating, terminated or withdrawn");
  table.Add(list_cmd, [list](Session& session) -> Status {
    Query q;
    AddIfGiven(q, "organisation", list->organisation);
    AddIfGiven(q, "state", list->state);
    AIIP_ASSIGN_OR_RETURN(bj::object answer, session.FetchList(kApi + "/mitigations", q, list->page));
    if (!session.json()) answer["items"] = NamesOnly(answer["items"], {"victim", "responder"});
    session.ShowList(answer, kInboxColumns);
    return Status::Ok();
  });

  auto show_id = std::make_shared<std::string>();
  CLI::App* show = mitigation->add_subcommand("show", "One request: DOTS scope, history, escalations");
  show->add_option("id", *show_id, "Request id")->required();
  table.Add(show,
            Keep(show_id, ShowOne(Method::kGet, [show_id] { return PathOf("mitigations", *show_id); })));

  struct AckOptions {
    std::string id;
    std::optional<std::string> note;
  };
  auto ack = std::make_shared<AckOptions>();
  CLI::App* ack_cmd = mitigation->add_subcommand("ack", "Acknowledge a request (stops its escalation)");
  ack_cmd->add_option("id", ack->id, "Request id")->required();
  AddOptional(ack_cmd, "--note", ack->note, "A note for the victim");
  table.Add(ack_cmd, Keep(ack, ShowOne(
                                   Method::kPost, [ack] { return PathOf("mitigations", ack->id) + "/ack"; },
                                   [ack] {
                                     bj::object body;
                                     if (ack->note) body["note"] = *ack->note;
                                     return bj::value(std::move(body));
                                   })));

  struct StatusOptions {
    std::string id;
    int64_t status = 0;
    std::optional<int64_t> packets, bytes;
    std::optional<std::string> note;
  };
  auto status = std::make_shared<StatusOptions>();
  CLI::App* status_cmd = mitigation->add_subcommand("status", "Report DOTS status (1..8) and drop counters");
  status_cmd->add_option("id", status->id, "Request id")->required();
  status_cmd
      ->add_option("--status", status->status,
                   "1 in progress, 2 mitigated, 3 attack stopped, 4 exceeds "
                   "capability, 6 terminated, 7 withdrawn, 8 triggered")
      ->required()
      ->check(CLI::Range(1, 8));
  AddOptional(status_cmd, "--dropped-packets", status->packets, "Packets dropped so far");
  AddOptional(status_cmd, "--dropped-bytes", status->bytes, "Bytes dropped so far");
  AddOptional(status_cmd, "--note", status->note, "A note for the victim");
  table.Add(status_cmd, Keep(status, ShowOne(
                                         Method::kPost,
                                         [status] { return PathOf("mitigations", status->id) + "/status"; },
                                         [status] {
                                           bj::object body{{"status", status->status}};
                                           if (status->packets) body["pkts-dropped"] = *status->packets;
                                           if (status->bytes) body["bytes-dropped"] = *status->bytes;
                                           if (status->note) body["note"] = *status->note;
                                           return bj::value(std::move(body));
                                         })));
}

void AddOperatorCommands(CLI::App& app, CommandTable& table) {
  CLI::App* op = app.add_subcommand("operator", "Operators: the ASNs they run");
  op->require_subcommand(1);
  CLI::App* asn = op->add_subcommand("asn", "ASNs of an operator");
  asn->require_subcommand(1);

  struct AddOptions {
    std::string organisation;
    int64_t asn = 0;
  };
  auto add = std::make_shared<AddOptions>();
  CLI::App* add_cmd = asn->add_subcommand("add", "Register an ASN your operator runs");
  add_cmd->add_option("org", add->organisation, "Operator organisation id")->required();
  add_cmd->add_option("asn", add->asn, "AS number")
      ->required()
      ->check(CLI::Range(int64_t{1}, int64_t{4294967295}));
  table.Add(add_cmd,
            Keep(add, ShowOne(
                          Method::kPost, [add] { return PathOf("operators", add->organisation) + "/asns"; },
                          [add] {
                            return bj::value(bj::object{{"asn", add->asn}});
                          })));

  struct ListOptions {
    std::string organisation;
    PageOptions page;
  };
  auto list = std::make_shared<ListOptions>();
  CLI::App* list_cmd = asn->add_subcommand("list", "List an operator's ASNs");
  list_cmd->add_option("org", list->organisation, "Operator organisation id")->required();
  table.Add(list_cmd, [list](Session& session) -> Status {
    AIIP_ASSIGN_OR_RETURN(
        bj::object answer,
        session.FetchList(PathOf("operators", list->organisation) + "/asns", {}, list->page));
    session.ShowList(answer, kAsnColumns);
    return Status::Ok();
  });

  struct VerifyOptions {
    std::string organisation, asn;
  };
  auto verify = std::make_shared<VerifyOptions>();
  CLI::App* verify_cmd = asn->add_subcommand("verify", "Verify an operator's ASN (the Agency)");
  verify_cmd->add_option("org", verify->organisation, "Operator organisation id")->required();
  verify_cmd->add_option("asn", verify->asn, "AS number")->required();
  table.Add(verify_cmd,
            Keep(verify, ShowOne(
                             Method::kPost, [verify] { return PathOf("asns", verify->asn) + "/verify"; },
                             [verify] {
                               return bj::value(bj::object{{"organisation", verify->organisation}});
                             })));
}

}  // namespace

void AddResponseCommands(CLI::App& app, CommandTable& table) {
  AddAttackCommands(app, table);
  AddMitigationCommands(app, table);
  AddOperatorCommands(app, table);
}

}  // namespace aiip::cli
