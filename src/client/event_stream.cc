#include "client/event_stream.h"

#include <algorithm>

namespace aiip::client {

Status EventStreamParser::Feed(std::string_view bytes,
                               const std::function<void(const ServerSentEvent&)>& on_event) {
  if (!started_) {
    // A UTF-8 byte-order mark at the very start is not part of the first line.
    constexpr std::string_view kBom = "\xEF\xBB\xBF";
    const size_t take = std::min(bytes.size(), kBom.size() - head_.size());
    head_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (head_.size() < kBom.size() && kBom.starts_with(head_)) return Status::Ok();  // wait for more
    started_ = true;
    if (head_ != kBom) AIIP_RETURN_IF_ERROR(Consume(head_, on_event));
    head_.clear();
  }
  return Consume(bytes, on_event);
}

Status EventStreamParser::Consume(std::string_view bytes,
                                  const std::function<void(const ServerSentEvent&)>& on_event) {
  for (char c : bytes) {
    if (after_cr_) {
      after_cr_ = false;
      if (c == '\n') continue;
    }
    if (c == '\r' || c == '\n') {
      after_cr_ = c == '\r';
      Line(line_, on_event);
      line_.clear();
      continue;
    }
    if (line_.size() >= kMaxLineBytes) {
      return InvalidArgument("line-too-long",
                             "a server-sent event line exceeds " + std::to_string(kMaxLineBytes) + " bytes");
    }
    line_.push_back(c);
  }
  return Status::Ok();
}

void EventStreamParser::Line(std::string_view line,
                             const std::function<void(const ServerSentEvent&)>& on_event) {
  if (line.empty()) {
    if (data_.empty()) {
      type_.clear();
      return;
    }
    data_.pop_back();  // the "\n" after the last data line
    ServerSentEvent event;
    event.id = last_event_id_;
    if (!type_.empty()) event.type = std::move(type_);
    event.data = std::move(data_);
    type_.clear();
    data_.clear();
    on_event(event);
    return;
  }
  if (line.front() == ':') return;  // a comment (the node's keep-alives)
  std::string_view field = line, value;
  if (size_t colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
  } else if (field == "event") {
    type_ = std::string(value);
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) last_event_id_ = std::string(value);
  } else if (field == "retry") {
    if (!value.empty() && value.size() <= 12 &&
        std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      retry_ms_ = std::stoll(std::string(value));
    }
  }
}

}  // namespace aiip::client
