#include "notify/stream_hub.h"

#include <algorithm>

#include "common/log.h"

namespace aiip::notify {

namespace {
constexpr size_t kReadBatch = 1000;
}  // namespace

bool StreamFilter::Accepts(const Event& event) const {
  if (!event.stream) return false;
  if (recipient && event.recipient != *recipient && event.recipient != kEveryone) return false;
  if (kinds.empty()) return true;
  return std::any_of(kinds.begin(), kinds.end(), [&](const std::string& kind) {
    if (!kind.empty() && kind.back() == '.') return event.kind.starts_with(kind);
    return event.kind == kind;
  });
}

StreamHub::StreamHub(const EventLog& log, StreamHubOptions options) : log_(log), options_(options) {
  // Streams start from the events committed before the hub existed.
  Result<int64_t> last = log_.LastSeq();
  tail_ = last.value_or(0);
  if (!last) log::Error("stream hub cannot read the event log", {{"error", last.error().ToString()}});
  thread_ = std::thread([this] { Run(); });
}

StreamHub::~StreamHub() { Stop(); }

void StreamHub::Poke() {
  {
    std::lock_guard lock(mu_);
    poked_ = true;
  }
  wake_.notify_one();
}

void StreamHub::Subscribe(std::shared_ptr<http::StreamSink> sink, StreamFilter filter,
                          std::optional<int64_t> after) {
  // "From now" means from the last event committed when the client asked, not from when the
  // hub thread gets to it: events committed in between are replayed, not lost.
  if (!after) {
    Result<int64_t> last = log_.LastSeq();
    if (last) after = *last;
  }
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      sink->Close();
      return;
    }
    joining_.push_back(Stream{std::move(sink), std::move(filter), after});
  }
  wake_.notify_one();
}

size_t StreamHub::StreamCount() const {
  std::lock_guard lock(mu_);
  return live_count_ + joining_.size();
}

void StreamHub::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void StreamHub::Run() {
  auto next_keepalive = std::chrono::steady_clock::now() + options_.keepalive_interval;
  while (true) {
    std::vector<Stream> joining;
    {
      std::unique_lock lock(mu_);
      auto deadline = std::min(std::chrono::steady_clock::now() + options_.poll_interval, next_keepalive);
      wake_.wait_until(lock, deadline, [&] { return poked_ || stopping_ || !joining_.empty(); });
      if (stopping_) break;
      poked_ = false;
      joining.swap(joining_);
    }
    // Live streams first catch up to the log's end; then the new streams replay up to the
    // same point and join them, so each new stream's replay ends where live delivery starts.
    while (true) {
      Result<std::vector<Event>> events = log_.Read(std::nullopt, tail_, kReadBatch);
      if (!events) {
        log::Error("stream hub cannot read the event log", {{"error", events.error().ToString()}});
        break;
      }
      if (events->empty()) break;
      Deliver(*events);
      tail_ = events->back().seq;
      if (events->size() < kReadBatch) break;
    }
    for (Stream& stream : joining) {
      Replay(stream, tail_);
      if (stream.sink->Open()) live_.push_back(std::move(stream));
    }
    if (std::chrono::steady_clock::now() >= next_keepalive) {
      KeepAlive();
      next_keepalive = std::chrono::steady_clock::now() + options_.keepalive_interval;
    }
    std::erase_if(live_, [](const Stream& stream) { return !stream.sink->Open(); });
    std::lock_guard lock(mu_);
    live_count_ = live_.size();
  }
  for (Stream& stream : live_) stream.sink->Close();
  live_.clear();
  std::lock_guard lock(mu_);
  for (Stream& stream : joining_) stream.sink->Close();
  joining_.clear();
  live_count_ = 0;
}

void StreamHub::Replay(Stream& stream, int64_t upto) {
  if (!stream.after) return;
  int64_t after = std::min(*stream.after, upto);
  size_t replayed = 0;
  while (after < upto && stream.sink->Open()) {
    if (replayed >= options_.replay_limit) {
      // More was missed than one replay holds: say so, so the client can page through
      // GET /api/v1/events instead of silently missing events.
      stream.sink->Push("event: replay-truncated\ndata: {\"resume_after\":" + std::to_string(after) +
                        "}\n\n");
      stream.sink->Close();
      return;
    }
    Result<std::vector<Event>> events = log_.Read(stream.filter.recipient, after, kReadBatch);
    if (!events) {
      log::Error("stream hub cannot replay events", {{"error", events.error().ToString()}});
      stream.sink->Close();
      return;
    }
    for (const Event& event : *events) {
      if (event.seq > upto) return;
      if (stream.filter.Accepts(event) &&
          !stream.sink->Push(FormatServerSentEvent(event.AsSeenBy(stream.filter.recipient)))) {
        return;
      }
      after = event.seq;
      ++replayed;
    }
    if (events->size() < kReadBatch) return;  // nothing more for this stream up to `upto`
  }
}

void StreamHub::Deliver(const std::vector<Event>& events) {
  for (const Event& event : events) {
    // Formatted once per form, for the first stream that wants it: administrators' streams of
    // every organisation's events see a confidential event without its data.
    std::string wire, withheld_wire;
    for (Stream& stream : live_) {
      if (!stream.sink->Open() || !stream.filter.Accepts(event)) continue;
      const bool withheld = event.confidential && !stream.filter.recipient;
      std::string& form = withheld ? withheld_wire : wire;
      if (form.empty()) form = FormatServerSentEvent(withheld ? event.AsSeenBy(std::nullopt) : event);
      stream.sink->Push(form);
    }
  }
}

void StreamHub::KeepAlive() {
  for (Stream& stream : live_) stream.sink->Push(": keepalive\n\n");
}

}  // namespace aiip::notify
