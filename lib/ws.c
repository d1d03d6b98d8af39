/*
 * ws.c - WebSocket handshake key, frames and UTF-8 (see ws.h).
 */
#include "ws.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <string.h>

/* RFC 6455 1.3: the GUID every server appends to the client's key. */
static const char WS_GUID[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

void ws_accept_key(const char *key, size_t key_len, char out[29])
{
	unsigned char buf[128], digest[SHA_DIGEST_LENGTH];
	size_t guid_len = sizeof(WS_GUID) - 1;

	if (key_len > sizeof(buf) - guid_len)
		key_len = sizeof(buf) - guid_len; /* callers check ws_key_valid() first */
	memcpy(buf, key, key_len);
	memcpy(buf + key_len, WS_GUID, guid_len);
	SHA1(buf, key_len + guid_len, digest);
	/* 20 bytes are 28 base64 characters; EVP_EncodeBlock adds the NUL. */
	EVP_EncodeBlock((unsigned char *)out, digest, SHA_DIGEST_LENGTH);
}

int ws_key_valid(const char *key, size_t key_len)
{
	unsigned char raw[20];

	/* 16 bytes encode to 22 characters and "==". */
	if (key_len != 24 || key[22] != '=' || key[23] != '=')
		return 0;
	for (size_t i = 0; i < 22; i++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
			   key[i]) == NULL ||
		    key[i] == '\0')
			return 0;
	return EVP_DecodeBlock(raw, (const unsigned char *)key, 24) == 18;
}

static int is_known_opcode(int op)
{
	return op == WS_CONT || op == WS_TEXT || op == WS_BINARY || op == WS_CLOSE ||
	       op == WS_PING || op == WS_PONG;
}

int ws_parse_frame(const char *buf, size_t len, struct ws_frame *f, int *status)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t head = 2;
	uint64_t plen;

	*status = WS_PROTOCOL_ERROR;
	if (len < 2)
		return 0;
	f->fin = (p[0] & 0x80) != 0;
	f->opcode = p[0] & 0x0f;
	if ((p[0] & 0x70) || !is_known_opcode(f->opcode))
		return -1; /* reserved bits without an extension, reserved opcode */
	if (!(p[1] & 0x80))
		return -1; /* RFC 6455 5.1: a client MUST mask every frame */
	plen = p[1] & 0x7f;
	if (f->opcode >= WS_CLOSE && (!f->fin || plen > WS_MAX_CONTROL))
		return -1;
	if (plen == 126) {
		if (len < 4)
			return 0;
		plen = (uint64_t)p[2] << 8 | p[3];
		head = 4;
	} else if (plen == 127) {
		if (len < 10)
			return 0;
		if (p[2] & 0x80)
			return -1; /* the most significant bit MUST be 0 */
		plen = 0;
		for (int i = 2; i < 10; i++)
			plen = plen << 8 | p[i];
		head = 10;
	}
	if (plen > WS_MAX_MESSAGE) {
		*status = WS_TOO_BIG; /* judged on the declared length, before it arrives */
		return -1;
	}
	head += 4; /* the masking key */
	if (len < head + plen)
		return 0;
	f->mask = p + head - 4;
	f->payload = buf + head;
	f->len = (size_t)plen;
	return (int)(head + plen);
}

void ws_unmask(const struct ws_frame *f, char *out)
{
	for (size_t i = 0; i < f->len; i++)
		out[i] = (char)(f->payload[i] ^ f->mask[i & 3]);
}

size_t ws_frame_header(char *out, int fin, int opcode, size_t len)
{
	unsigned char *p = (unsigned char *)out;

	p[0] = (unsigned char)((fin ? 0x80 : 0) | opcode);
	if (len < 126) {
		p[1] = (unsigned char)len;
		return 2;
	}
	if (len <= 0xffff) {
		p[1] = 126;
		p[2] = (unsigned char)(len >> 8);
		p[3] = (unsigned char)len;
		return 4;
	}
	p[1] = 127;
	for (int i = 0; i < 8; i++)
		p[2 + i] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	return 10;
}

/* The UTF-8 state packs what the next byte must be: bits 16.. the
 * continuation bytes still owed, bits 8..15 and 0..7 the lowest and highest
 * value the next one may take (RFC 3629's table, which is what rules out
 * overlong forms, surrogates and values past U+10FFFF). */
static uint32_t utf8_expect(uint32_t left, uint32_t lo, uint32_t hi)
{
	return left << 16 | lo << 8 | hi;
}

/* The state after a lead byte c, or UINT32_MAX when c cannot lead. */
static uint32_t utf8_lead(unsigned char c)
{
	if (c < 0x80)
		return 0;
	if (c >= 0xc2 && c <= 0xdf)
		return utf8_expect(1, 0x80, 0xbf);
	if (c == 0xe0)
		return utf8_expect(2, 0xa0, 0xbf);
	if (c == 0xed)
		return utf8_expect(2, 0x80, 0x9f); /* no UTF-16 surrogates */
	if (c >= 0xe1 && c <= 0xef)
		return utf8_expect(2, 0x80, 0xbf);
	if (c == 0xf0)
		return utf8_expect(3, 0x90, 0xbf);
	if (c >= 0xf1 && c <= 0xf3)
		return utf8_expect(3, 0x80, 0xbf);
	if (c == 0xf4)
		return utf8_expect(3, 0x80, 0x8f); /* nothing past U+10FFFF */
	return UINT32_MAX;
}

int ws_utf8_feed(uint32_t *state, const char *p, size_t len)
{
	uint32_t s = *state;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)p[i];
		uint32_t left = s >> 16;
		if (left == 0) {
			s = utf8_lead(c);
			if (s == UINT32_MAX)
				return -1;
			continue;
		}
		if (c < ((s >> 8) & 0xff) || c > (s & 0xff))
			return -1;
		s = left > 1 ? utf8_expect(left - 1, 0x80, 0xbf) : 0;
	}
	*state = s;
	return 0;
}
