#include "client/event_stream.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace aiip::client {
namespace {

// Feeds `stream` in pieces of `piece` bytes and returns the events as "id|type|data".
std::vector<std::string> Parse(std::string_view stream, size_t piece, EventStreamParser* parser = nullptr) {
  EventStreamParser local;
  EventStreamParser& p = parser ? *parser : local;
  std::vector<std::string> out;
  for (size_t at = 0; at < stream.size(); at += piece) {
    Status fed = p.Feed(stream.substr(at, piece), [&](const ServerSentEvent& e) {
      out.push_back(e.id + "|" + e.type + "|" + e.data);
    });
    EXPECT_TRUE(fed.ok()) << fed.ToString();
  }
  return out;
}

TEST(EventStreamParser, TheNodesStreamInAnyPieces) {
  const std::string stream =
      ": aiip event stream\nretry: 3000\n\n"
      "id: 41\nevent: incident.warning\ndata: {\"seq\":41}\n\n"
      ": keepalive\n\n"
      "id: 42\nevent: vulnerability.alert\ndata: {\"seq\":42}\n\n";
  for (size_t piece : {1u, 2u, 7u, 4096u}) {
    EventStreamParser parser;
    EXPECT_EQ(Parse(stream, piece, &parser),
              (std::vector<std::string>{"41|incident.warning|{\"seq\":41}", "42|vulnerability.alert|{\"seq\":42}"}))
        << piece;
    EXPECT_EQ(parser.last_event_id(), "42");
    EXPECT_EQ(parser.retry_ms(), 3000);
  }
}

// Cases from the interpretation rules of HTML §9.2.6.
TEST(EventStreamParser, FollowsTheWhatwgRules) {
  // Data lines join with LF; the field name may stand alone; one space after ':' is dropped.
  EXPECT_EQ(Parse("data: a\ndata:  b\ndata\n\n", 3)[0], "|message|a\n b\n");
  // CRLF, CR and LF all end lines, also when the CR and LF arrive in different pieces.
  EXPECT_EQ(Parse("data: x\r\n\r\ndata: y\r\rdata: z\n\n", 1),
            (std::vector<std::string>{"|message|x", "|message|y", "|message|z"}));
  // An event without data is not dispatched, and its type does not leak into the next.
  EXPECT_EQ(Parse("event: lonely\n\ndata: d\n\n", 5), (std::vector<std::string>{"|message|d"}));
  // The id persists until changed; an id holding NUL is ignored; an empty id resets it.
  EXPECT_EQ(Parse(std::string("id: 7\ndata: a\n\ndata: b\n\nid: 8\0x\ndata: c\n\nid\ndata: d\n\n", 53), 4),
            (std::vector<std::string>{"7|message|a", "7|message|b", "7|message|c", "|message|d"}));
  // A leading byte-order mark is dropped, even split across pieces; unknown fields ignored.
  EXPECT_EQ(Parse("\xEF\xBB\xBF" "data: bom\nfoo: bar\n\n", 1), (std::vector<std::string>{"|message|bom"}));
  // retry accepts digits only.
  EventStreamParser parser;
  Parse("retry: 12a\n\nretry: 500\n\nretry: -1\n\n", 4, &parser);
  EXPECT_EQ(parser.retry_ms(), 500);
  // A stream cut before the blank line dispatches nothing.
  EXPECT_TRUE(Parse("data: partial\n", 2).empty());
}

TEST(EventStreamParser, RefusesALineThatNeverEnds) {
  EventStreamParser parser;
  const std::string chunk(1 << 20, 'x');
  Status status;
  for (size_t fed = 0; status.ok() && fed <= EventStreamParser::kMaxLineBytes; fed += chunk.size()) {
    status = parser.Feed(chunk, [](const ServerSentEvent&) { ADD_FAILURE(); });
  }
  EXPECT_EQ(status.type(), "line-too-long");
}

}  // namespace
}  // namespace aiip::client
