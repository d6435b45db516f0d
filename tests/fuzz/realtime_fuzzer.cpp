// libFuzzer target for what real-time clients send: /ws text frames, Engine.IO packets and
// long-polling payloads, Socket.IO packets (with binary attachments), and the handshake query.
// The first byte picks the parser; the rest is the input. Every parser must return an error
// rather than crash, and a packet that decodes must encode and decode again to the same packet.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/engineio_codec.hpp"
#include "http/socketio_codec.hpp"
#include "http/ws_protocol.hpp"

namespace eio = emporium::http::engineio;
namespace sio = emporium::http::socketio;

namespace {

void Check(bool ok) {
  if (!ok) std::abort();
}

void EngineIoText(std::string_view in) {
  auto packet = eio::DecodeText(in);
  if (!packet) return;
  auto again = eio::DecodeText(eio::EncodeText(*packet));
  Check(again.has_value() && again->type == packet->type && again->data == packet->data);
}

void EngineIoPayload(std::string_view in) {
  auto packets = eio::DecodePayload(in);
  if (!packets) return;
  auto again = eio::DecodePayload(eio::EncodePayload(*packets));
  Check(again.has_value() && again->size() == packets->size());
}

void SocketIoStream(std::string_view in) {
  // Messages separated by '\n'; a leading 'b' makes one a binary attachment.
  sio::Decoder decoder;
  std::size_t start = 0;
  while (start <= in.size()) {
    const auto end = std::min(in.find('\n', start), in.size());
    const auto message = in.substr(start, end - start);
    auto r = !message.empty() && message.front() == 'b' ? decoder.AddBinary(std::string(message.substr(1)))
                                                         : decoder.AddText(message);
    if (r && *r) {
      std::size_t attachments = 0;
      auto again = sio::DecodeText(sio::Encode(**r), &attachments);
      Check(again.has_value() && again->type == (*r)->type);
    }
    if (!r) decoder = sio::Decoder();
    start = end + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0: (void)emporium::http::ws::ParseClientFrame(in); break;
    case 1: EngineIoText(in); break;
    case 2: EngineIoPayload(in); break;
    case 3: SocketIoStream(in); break;
    case 4: (void)eio::ParseQuery(in); break;
    case 5: (void)eio::Base64Decode(in); break;
  }
  return 0;
}
