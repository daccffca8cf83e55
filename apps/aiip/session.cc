#include "aiip/session.h"

#include <set>
#include <utility>

#include "common/json.h"

namespace aiip::cli {

Status InvalidResponse(std::string detail) {
  return Status(Code::kInternal, "invalid-response", std::move(detail));
}

Status UsageError(std::string detail) { return InvalidArgument("usage", std::move(detail)); }

Session::Session(GlobalOptions options, EnvLookup env, std::ostream& out, std::ostream& err)
    : options_(std::move(options)), env_(std::move(env)), out_(out), err_(err) {}

Result<HttpClient*> Session::Client() {
  if (client_) return client_.get();
  AIIP_ASSIGN_OR_RETURN(Settings settings, ResolveSettings(options_.settings, env_));
  client::ClientOptions client_options;
  client_options.server = std::move(settings.server);
  client_options.token = std::move(settings.token);
  client_options.ca_file = std::move(settings.ca_file);
  AIIP_ASSIGN_OR_RETURN(client_, HttpClient::Create(std::move(client_options)));
  return client_.get();
}

Result<boost::json::value> Session::Call(Method method, const std::string& path, const Query& query,
                                         const boost::json::value& body) {
  AIIP_ASSIGN_OR_RETURN(HttpClient * client, Client());
  return client->Send(method, path, query, body);
}

Result<boost::json::object> Session::FetchList(const std::string& path, Query query,
                                               const PageOptions& page) {
  if (page.limit) query.emplace_back("limit", std::to_string(*page.limit));
  std::optional<std::string> cursor = page.cursor;
  std::set<std::string> seen_cursors;
  boost::json::array items;
  for (;;) {
    Query page_query = query;
    if (cursor) page_query.emplace_back("cursor", *cursor);
    AIIP_ASSIGN_OR_RETURN(boost::json::value answer, Call(Method::kGet, path, page_query));
    const boost::json::object* object = answer.if_object();
    const boost::json::value* page_items = object ? object->if_contains("items") : nullptr;
    const boost::json::value* next = object ? object->if_contains("next_cursor") : nullptr;
    if (page_items == nullptr || !page_items->is_array() ||
        (next && !next->is_null() && !next->is_string())) {
      return Err(InvalidResponse("the answer to GET " + path + " is not a list page"));
    }
    for (const auto& item : page_items->get_array()) items.push_back(item);
    if (next == nullptr || next->is_null()) {
      cursor.reset();
    } else {
      cursor = std::string(next->get_string());
    }
    if (!page.all || !cursor) break;
    // A server that hands out a cursor twice would keep --all looping forever.
    if (!seen_cursors.insert(*cursor).second) {
      return Err(InvalidResponse("the server repeated the cursor " + *cursor + " of " + path));
    }
  }
  boost::json::object list;
  list["items"] = std::move(items);
  list["next_cursor"] = cursor ? boost::json::value(*cursor) : boost::json::value(nullptr);
  return list;
}

void Session::ShowList(const boost::json::object& list, const std::vector<Column>& columns) {
  if (options_.json) {
    PrintJson(out_, list);
    return;
  }
  PrintTable(out_, columns, list.at("items").as_array());
  // On stderr so that the table on stdout stays pure data for pipes.
  if (const boost::json::value& next = list.at("next_cursor"); next.is_string()) {
    err_ << "more results: repeat with --cursor " << Printable(next.get_string()) << " or use --all\n";
  }
}

Status Session::ShowObject(const boost::json::value& value) {
  if (!value.is_object())
    return InvalidResponse("the server answered " + std::string(json::KindName(value)) +
                           " where an object was expected");
  if (options_.json) {
    PrintJson(out_, value);
  } else {
    PrintObject(out_, value.get_object());
  }
  return Status::Ok();
}

}  // namespace aiip::cli
