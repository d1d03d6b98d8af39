/*
 * ws.h - WebSocket (RFC 6455) pieces: the handshake's accept key, the frame
 * parser, frame headers, and UTF-8 validation.
 *
 * Like http.h: no I/O, no allocation, no state but what the caller keeps.
 * A frame is parsed only once it is complete in the caller's input (a frame
 * the input buffer cannot hold is refused by its declared length, 1009), so
 * the parser needs no memory between calls.  lib/push.c runs the protocol
 * (echo, ping, close) on top of these.
 *
 * SHA-1 and base64 come from OpenSSL's libcrypto (SHA1(), EVP_EncodeBlock()),
 * not from code written here.
 */
#ifndef MODELBENCH_WS_H
#define MODELBENCH_WS_H

#include <stddef.h>
#include <stdint.h>

/* The largest data frame (and message, fragments summed) we take: a frame
 * of this size plus its 8-byte header fills the 64 KiB input buffer every
 * model keeps, and its echo plus a 4-byte header fits the 64 KiB output
 * buffer.  A larger one is closed with 1009. */
#define WS_MAX_MESSAGE (64 * 1024 - 8)
/* A control frame's payload (RFC 6455 5.5). */
#define WS_MAX_CONTROL 125

enum ws_opcode {
	WS_CONT = 0x0,
	WS_TEXT = 0x1,
	WS_BINARY = 0x2,
	WS_CLOSE = 0x8,
	WS_PING = 0x9,
	WS_PONG = 0xA
};

/* Close status codes we send (RFC 6455 7.4.1). */
enum ws_status {
	WS_NORMAL = 1000,
	WS_PROTOCOL_ERROR = 1002,
	WS_INVALID_DATA = 1007, /* text that is not UTF-8 */
	WS_TOO_BIG = 1009
};

struct ws_frame {
	int fin;
	int opcode;
	const unsigned char *mask; /* the 4-byte masking key */
	const char *payload;	   /* still masked, in the caller's input */
	size_t len;
};

/* The accept key for a Sec-WebSocket-Key value: base64(SHA-1(key + GUID)),
 * 28 characters and a NUL into out[29]. */
void ws_accept_key(const char *key, size_t key_len, char out[29]);

/* True when key is what RFC 6455 4.1 asks for: the base64 of 16 bytes. */
int ws_key_valid(const char *key, size_t key_len);

/* Parses one client frame from buf[0..len).  Returns its total length
 * (header and payload) when complete, 0 when more bytes are needed, or -1
 * when the frame breaks the rules a frame alone can break; then *status is
 * the close code owed (1002: reserved bits, unknown opcode, unmasked, a
 * fragmented or long control frame; 1009: over WS_MAX_MESSAGE).  Rules
 * about the message a frame belongs to (continuations) are the caller's. */
int ws_parse_frame(const char *buf, size_t len, struct ws_frame *f, int *status);

/* Unmasks f's payload into out[0..f->len). */
void ws_unmask(const struct ws_frame *f, char *out);

/* Writes a server frame's header (FIN as given, unmasked) for a payload of
 * len bytes into out, which has room for 10.  Returns its length. */
size_t ws_frame_header(char *out, int fin, int opcode, size_t len);

/* UTF-8 validation that can stop anywhere, for text split into fragments.
 * *state starts at 0; returns -1 at the first invalid byte (overlong forms,
 * surrogates and code points past U+10FFFF included), else 0.  The text is
 * complete and valid when the last call left *state at 0. */
int ws_utf8_feed(uint32_t *state, const char *p, size_t len);

#endif
