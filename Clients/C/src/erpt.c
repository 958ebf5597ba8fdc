/*
 * erpt.c: the ERPT wire protocol (proto/transport/README.md), client side, unary calls.
 *
 * The socket is non-blocking and every wait is a poll() bounded by the call's deadline, so a
 * silent server costs the caller its timeout, never a hang. Section numbers (§) refer to the
 * specification.
 */
#define _POSIX_C_SOURCE 200809L

#include "erpt.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum {
  FRAME_SETTINGS = 0x0,
  FRAME_HEADERS = 0x1,
  FRAME_MESSAGE = 0x2,
  FRAME_HALF_CLOSE = 0x3,
  FRAME_TRAILERS = 0x4,
  FRAME_RST_STREAM = 0x5,
  FRAME_WINDOW_UPDATE = 0x6,
  FRAME_PING = 0x7,
  FRAME_GOAWAY = 0x8
};

enum { FLAG_END_MESSAGE = 0x1, FLAG_ACK = 0x1 };
enum { GOAWAY_NO_ERROR = 0, GOAWAY_PROTOCOL_ERROR = 1, GOAWAY_FRAME_SIZE_ERROR = 2 };
enum { SETTING_MAX_CONCURRENT_STREAMS = 1, SETTING_INITIAL_WINDOW_SIZE = 2,
       SETTING_MAX_FRAME_SIZE = 3, SETTING_MAX_MESSAGE_SIZE = 4, SETTING_MAX_METADATA_SIZE = 5 };

#define HEADER_SIZE 10
#define LAST_STREAM_ID 0x7FFFFFFFu
/* What this client accepts per frame (§3.1: MAX_FRAME_SIZE and MAX_METADATA_SIZE). */
#define OWN_MAX_FRAME 16384u
#define OWN_MAX_METADATA 16384u
#define OWN_LARGEST_FRAME (OWN_MAX_FRAME > OWN_MAX_METADATA ? OWN_MAX_FRAME : OWN_MAX_METADATA)
#define DEFAULT_MAX_MESSAGE (4u * 1024u * 1024u)
#define DEFAULT_CONNECT_TIMEOUT_MS 5000

static const uint8_t PREFACE[8] = {'E', 'R', 'P', 'T', 0x00, 0x01, 0x00, 0x00};

struct erpt_connection {
  int fd;
  uint32_t next_stream;
  int broken;     /* failed or closed: no call can run on it any more */
  int going_away; /* a GOAWAY arrived: finish, but start nothing new */
  /* The server's limits, from its SETTINGS (§3.1). */
  uint32_t peer_initial_window;
  uint32_t peer_max_frame;
  uint32_t peer_max_message;
  uint32_t peer_max_metadata;
  /* Our own limit on responses, announced in our SETTINGS. */
  uint32_t max_message;
  int skip_local_limits;
  /* Bytes received and not yet parsed. */
  uint8_t *in;
  size_t in_len;
  size_t in_cap;
};

/* A growable output buffer; `failed` records an allocation failure once. */
typedef struct {
  uint8_t *data;
  size_t len;
  size_t cap;
  int failed;
} buffer;

typedef struct {
  uint8_t type;
  uint8_t flags;
  uint32_t stream;
  uint32_t len;
  const uint8_t *payload; /* points into the connection's input, valid until the next read */
} frame;

/* ---- small helpers ---------------------------------------------------------------------- */

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Milliseconds left before `deadline` (-1: none) for poll(): -1 waits without limit. */
static int remaining_ms(int64_t deadline) {
  if (deadline < 0) return -1;
  int64_t left = deadline - now_ms();
  if (left <= 0) return 0;
  return left > 1000000000 ? 1000000000 : (int)left;
}

static uint32_t get_u32(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void put(buffer *b, const void *bytes, size_t n) {
  if (b->failed) return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n) cap *= 2;
    uint8_t *grown = realloc(b->data, cap);
    if (!grown) {
      b->failed = 1;
      return;
    }
    b->data = grown;
    b->cap = cap;
  }
  if (n) memcpy(b->data + b->len, bytes, n);
  b->len += n;
}

static void put_u8(buffer *b, uint8_t v) { put(b, &v, 1); }

static void put_u16(buffer *b, uint16_t v) {
  uint8_t p[2] = {(uint8_t)(v >> 8), (uint8_t)v};
  put(b, p, 2);
}

static void put_u32(buffer *b, uint32_t v) {
  uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
  put(b, p, 4);
}

static void put_frame_header(buffer *b, uint32_t len, uint8_t type, uint8_t flags,
                             uint32_t stream) {
  put_u32(b, len);
  put_u8(b, type);
  put_u8(b, flags);
  put_u32(b, stream);
}

static char *copy_text(const uint8_t *bytes, size_t n) {
  char *text = malloc(n + 1);
  if (!text) return NULL;
  if (n) memcpy(text, bytes, n);
  text[n] = '\0';
  return text;
}

/* ---- public status helpers -------------------------------------------------------------- */

void erpt_status_clear(erpt_status *status) {
  if (!status) return;
  free(status->message);
  for (size_t i = 0; i < status->metadata_count; i++) {
    free(status->metadata[i].key);
    free(status->metadata[i].value);
  }
  free(status->metadata);
  memset(status, 0, sizeof *status);
}

uint32_t erpt_status_set(erpt_status *status, uint32_t code, const char *format, ...) {
  char text[512];
  va_list args;
  va_start(args, format);
  vsnprintf(text, sizeof text, format, args);
  va_end(args);
  free(status->message);
  status->code = code;
  status->message = strdup(text);
  return code;
}

const char *erpt_status_metadata(const erpt_status *status, const char *key) {
  const char *found = NULL;
  for (size_t i = 0; status && i < status->metadata_count; i++) {
    if (strcmp(status->metadata[i].key, key) == 0) found = (const char *)status->metadata[i].value;
  }
  return found;
}

const char *erpt_code_name(uint32_t code) {
  static const char *const names[] = {
      "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
      "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS",
      "UNAUTHENTICATED"};
  return code < sizeof names / sizeof names[0] ? names[code] : "UNKNOWN";
}

/* ---- socket I/O ------------------------------------------------------------------------- */

/* 0 when written, -1 on a socket error (errno), -2 when the deadline passed first. */
static int write_all(erpt_connection *c, const uint8_t *data, size_t len, int64_t deadline) {
  while (len > 0) {
    ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
    if (n > 0) {
      data += n;
      len -= (size_t)n;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      struct pollfd p = {.fd = c->fd, .events = POLLOUT};
      int ready = poll(&p, 1, remaining_ms(deadline));
      if (ready == 0) return -2;
      if (ready < 0 && errno != EINTR) return -1;
      continue;
    }
    return -1;
  }
  return 0;
}

/* Reads until `need` bytes are buffered: 0, -1 when the server closed or failed, -2 on the
 * deadline. */
static int fill(erpt_connection *c, size_t need, int64_t deadline) {
  while (c->in_len < need) {
    if (c->in_cap < need || c->in_cap - c->in_len < 4096) {
      size_t cap = c->in_cap ? c->in_cap : 65536;
      while (cap < need || cap - c->in_len < 4096) cap *= 2;
      uint8_t *grown = realloc(c->in, cap);
      if (!grown) return -1;
      c->in = grown;
      c->in_cap = cap;
    }
    ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
    if (n > 0) {
      c->in_len += (size_t)n;
      continue;
    }
    if (n == 0) return -1;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return -1;
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    int ready = poll(&p, 1, remaining_ms(deadline));
    if (ready == 0) return -2;
    if (ready < 0 && errno != EINTR) return -1;
  }
  return 0;
}

static void consume(erpt_connection *c, size_t n) {
  memmove(c->in, c->in + n, c->in_len - n);
  c->in_len -= n;
}

static int send_frame(erpt_connection *c, uint8_t type, uint8_t flags, uint32_t stream,
                      const uint8_t *payload, size_t len, int64_t deadline) {
  uint8_t header[HEADER_SIZE] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
                                 (uint8_t)len,         type,                 flags,
                                 (uint8_t)(stream >> 24), (uint8_t)(stream >> 16),
                                 (uint8_t)(stream >> 8),  (uint8_t)stream};
  int result = write_all(c, header, HEADER_SIZE, deadline);
  return result == 0 && len ? write_all(c, payload, len, deadline) : result;
}

/* The server broke a rule: tell it (GOAWAY, §3.9), stop using the connection, report INTERNAL. */
static uint32_t protocol_failure(erpt_connection *c, erpt_status *status, uint8_t code,
                                 const char *reason) {
  buffer b = {0};
  put_u32(&b, 0); /* the server opens no streams */
  put_u32(&b, code);
  put(&b, reason, strlen(reason));
  if (!b.failed) send_frame(c, FRAME_GOAWAY, 0, 0, b.data, b.len, now_ms() + 1000);
  free(b.data);
  shutdown(c->fd, SHUT_RDWR);
  c->broken = 1;
  return erpt_status_set(status, ERPT_INTERNAL, "protocol error from the server: %s", reason);
}

/* Reads one frame: 0, -1 (closed), -2 (deadline), -3 (frame too long: already reported). */
static int read_frame(erpt_connection *c, frame *f, int64_t deadline, erpt_status *status) {
  int result = fill(c, HEADER_SIZE, deadline);
  if (result) return result;
  f->len = get_u32(c->in);
  f->type = c->in[4];
  f->flags = c->in[5];
  f->stream = get_u32(c->in + 6);
  if (f->len > OWN_LARGEST_FRAME) {
    char reason[96];
    snprintf(reason, sizeof reason, "frame length %u exceeds the limit of %u bytes", f->len,
             OWN_LARGEST_FRAME);
    protocol_failure(c, status, GOAWAY_FRAME_SIZE_ERROR, reason);
    return -3;
  }
  result = fill(c, HEADER_SIZE + (size_t)f->len, deadline);
  if (result) return result;
  f->payload = c->in + HEADER_SIZE;
  return 0;
}

/* ---- payloads --------------------------------------------------------------------------- */

/* §3.1: a later SETTINGS replaces the earlier one, missing ids take the defaults. */
static int apply_settings(erpt_connection *c, const frame *f) {
  if (f->len % 6) return -1;
  c->peer_initial_window = 65536;
  c->peer_max_frame = 16384;
  c->peer_max_message = DEFAULT_MAX_MESSAGE;
  c->peer_max_metadata = 16384;
  for (uint32_t i = 0; i < f->len; i += 6) {
    uint16_t id = get_u16(f->payload + i);
    uint32_t value = get_u32(f->payload + i + 2);
    switch (id) {
    case SETTING_INITIAL_WINDOW_SIZE: c->peer_initial_window = value; break;
    case SETTING_MAX_FRAME_SIZE:
      if (value < 1024) return -1;
      c->peer_max_frame = value;
      break;
    case SETTING_MAX_MESSAGE_SIZE: c->peer_max_message = value; break;
    case SETTING_MAX_METADATA_SIZE: c->peer_max_metadata = value; break;
    default: break; /* MAX_CONCURRENT_STREAMS: one call at a time here; unknown ids ignored */
    }
  }
  return 0;
}

/* §2.1: appends the entries of a metadata block to the status; -1 when malformed. */
static int parse_metadata(const uint8_t *p, size_t len, erpt_status *status) {
  size_t i = 0;
  while (i < len) {
    if (len - i < 2) return -1;
    size_t key_len = get_u16(p + i);
    i += 2;
    if (len - i < key_len + 4) return -1;
    const uint8_t *key = p + i;
    i += key_len;
    size_t value_len = get_u32(p + i);
    i += 4;
    if (len - i < value_len) return -1;
    erpt_metadata *grown =
        realloc(status->metadata, (status->metadata_count + 1) * sizeof *status->metadata);
    if (!grown) return -1;
    status->metadata = grown;
    erpt_metadata *entry = &status->metadata[status->metadata_count];
    entry->key = copy_text(key, key_len);
    entry->value = (uint8_t *)copy_text(p + i, value_len);
    entry->value_len = value_len;
    if (!entry->key || !entry->value) {
      free(entry->key);
      free(entry->value);
      return -1;
    }
    status->metadata_count++;
    i += value_len;
  }
  return 0;
}

/* §3.5/§3.6: status code, message; TRAILERS then carry metadata. -1 when malformed. */
static int parse_status(const frame *f, int with_metadata, erpt_status *status) {
  if (f->len < 8) return -1;
  uint32_t code = get_u32(f->payload);
  uint32_t message_len = get_u32(f->payload + 4);
  if (f->len - 8 < message_len) return -1;
  free(status->message);
  status->message = copy_text(f->payload + 8, message_len);
  status->code = code > ERPT_UNAUTHENTICATED ? ERPT_UNKNOWN : code;
  if (!with_metadata) return 0;
  return parse_metadata(f->payload + 8 + message_len, f->len - 8 - message_len, status);
}

static uint32_t send_status_frame(erpt_connection *c, uint8_t type, uint32_t stream,
                                  uint32_t code, const char *message) {
  buffer b = {0};
  put_u32(&b, code);
  put_u32(&b, (uint32_t)strlen(message));
  put(&b, message, strlen(message));
  if (!b.failed) send_frame(c, type, 0, stream, b.data, b.len, now_ms() + 1000);
  free(b.data);
  return code;
}

/* Answers a PING, applies SETTINGS, records a GOAWAY: the connection-level frames (stream 0).
 * Returns 0 to go on, or a status code that ends the call. */
static uint32_t handle_connection_frame(erpt_connection *c, const frame *f, uint32_t stream,
                                        erpt_status *status) {
  switch (f->type) {
  case FRAME_SETTINGS:
    if (apply_settings(c, f))
      return protocol_failure(c, status, GOAWAY_PROTOCOL_ERROR, "bad SETTINGS payload");
    return 0;
  case FRAME_PING:
    if (f->len != 8)
      return protocol_failure(c, status, GOAWAY_PROTOCOL_ERROR, "PING payload must be 8 bytes");
    /* §3.9 drain: every call this connection committed to is already written, so the answer
     * can go at once. */
    if (!(f->flags & FLAG_ACK))
      send_frame(c, FRAME_PING, FLAG_ACK, 0, f->payload, 8, now_ms() + 1000);
    return 0;
  case FRAME_GOAWAY: {
    if (f->len < 8)
      return protocol_failure(c, status, GOAWAY_PROTOCOL_ERROR, "truncated GOAWAY");
    uint32_t last = get_u32(f->payload);
    uint32_t code = get_u32(f->payload + 4);
    int reason_len = (int)(f->len - 8 > 300 ? 300 : f->len - 8);
    c->going_away = 1;
    if (code != GOAWAY_NO_ERROR) {
      c->broken = 1;
      return erpt_status_set(status, ERPT_UNAVAILABLE,
                             "the server closed the connection (GOAWAY %u): %.*s", code, reason_len,
                             (const char *)f->payload + 8);
    }
    if (stream && last < stream)
      return erpt_status_set(status, ERPT_UNAVAILABLE,
                             "the server is going away and did not process this call (safe to "
                             "retry on a new connection): %.*s",
                             reason_len, (const char *)f->payload + 8);
    return 0;
  }
  default: return 0;
  }
}

/* What arrived between calls: connection frames are handled, frames of ended streams dropped,
 * a close or a broken rule marks the connection. Reads only what is already there. */
static void read_idle(erpt_connection *c) {
  erpt_status scratch = {0};
  while (!c->broken) {
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    if (c->in_len < HEADER_SIZE && poll(&p, 1, 0) <= 0) break;
    frame f;
    int got = read_frame(c, &f, now_ms(), &scratch);
    if (got == -2) break; /* the rest of a frame is still on its way */
    if (got) {
      c->broken = 1;
      break;
    }
    if (f.stream == 0)
      handle_connection_frame(c, &f, 0, &scratch);
    else if (f.stream % 2 == 0 || f.stream >= c->next_stream)
      protocol_failure(c, &scratch, GOAWAY_PROTOCOL_ERROR, "frame for a stream never opened");
    consume(c, HEADER_SIZE + f.len);
  }
  erpt_status_clear(&scratch);
}

int erpt_usable(erpt_connection *c) {
  if (!c) return 0;
  read_idle(c);
  return !c->broken && !c->going_away;
}

/* ---- connect ---------------------------------------------------------------------------- */

static int open_socket(const char *host, const char *port, int64_t deadline, erpt_status *status) {
  struct addrinfo hints = {0}, *found = NULL;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int error = getaddrinfo(host, port, &hints, &found);
  if (error) {
    erpt_status_set(status, ERPT_UNAVAILABLE, "cannot resolve %s:%s: %s", host, port,
                    gai_strerror(error));
    return -1;
  }
  int fd = -1;
  int last_errno = 0;
  for (struct addrinfo *a = found; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) {
      last_errno = errno;
      continue;
    }
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    if (errno == EINPROGRESS) {
      struct pollfd p = {.fd = fd, .events = POLLOUT};
      int ready;
      do ready = poll(&p, 1, remaining_ms(deadline));
      while (ready < 0 && errno == EINTR);
      int so_error = 0;
      socklen_t size = sizeof so_error;
      if (ready > 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &size) == 0 && !so_error)
        break;
      last_errno = ready == 0 ? ETIMEDOUT : (so_error ? so_error : errno);
    } else {
      last_errno = errno;
    }
    close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd < 0) {
    erpt_status_set(status, last_errno == ETIMEDOUT ? ERPT_DEADLINE_EXCEEDED : ERPT_UNAVAILABLE,
                    "cannot connect to %s:%s: %s", host, port, strerror(last_errno));
    return -1;
  }
  int on = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  return fd;
}

erpt_connection *erpt_connect(const char *host, const char *port, const erpt_options *options,
                              erpt_status *status) {
  erpt_status_clear(status);
  erpt_options defaults = {0};
  if (!options) options = &defaults;
  int timeout = options->connect_timeout_ms > 0 ? options->connect_timeout_ms
                                                : DEFAULT_CONNECT_TIMEOUT_MS;
  int64_t deadline = now_ms() + timeout;
  int fd = open_socket(host, port, deadline, status);
  if (fd < 0) return NULL;

  erpt_connection *c = calloc(1, sizeof *c);
  if (!c) {
    close(fd);
    erpt_status_set(status, ERPT_INTERNAL, "out of memory");
    return NULL;
  }
  c->fd = fd;
  c->next_stream = 1;
  c->max_message = options->max_message_size ? options->max_message_size : DEFAULT_MAX_MESSAGE;
  c->skip_local_limits = options->skip_local_limits;

  /* §1: our preface and SETTINGS at once; the limits we enforce on what we receive. */
  buffer b = {0};
  put(&b, PREFACE, sizeof PREFACE);
  put_frame_header(&b, 18, FRAME_SETTINGS, 0, 0);
  put_u16(&b, SETTING_MAX_FRAME_SIZE);
  put_u32(&b, OWN_MAX_FRAME);
  put_u16(&b, SETTING_MAX_MESSAGE_SIZE);
  put_u32(&b, c->max_message);
  put_u16(&b, SETTING_MAX_METADATA_SIZE);
  put_u32(&b, OWN_MAX_METADATA);
  int written = b.failed ? -1 : write_all(c, b.data, b.len, deadline);
  free(b.data);
  if (written) {
    erpt_status_set(status, ERPT_UNAVAILABLE, "cannot send the preface to %s:%s", host, port);
    erpt_close(c);
    return NULL;
  }

  /* The server's preface, then its SETTINGS first (§1, §2). */
  int got = fill(c, sizeof PREFACE, deadline);
  if (got) {
    erpt_status_set(status, got == -2 ? ERPT_DEADLINE_EXCEEDED : ERPT_UNAVAILABLE,
                    "%s:%s sent no ERPT preface within %d ms", host, port, timeout);
    erpt_close(c);
    return NULL;
  }
  if (memcmp(c->in, PREFACE, 4) != 0 || get_u16(c->in + 4) != 1) {
    erpt_status_set(status, ERPT_UNAVAILABLE, "%s:%s does not speak ERPT version 1", host, port);
    erpt_close(c);
    return NULL;
  }
  consume(c, sizeof PREFACE);
  frame f;
  got = read_frame(c, &f, deadline, status);
  if (got == 0 && f.type == FRAME_GOAWAY) {
    if (handle_connection_frame(c, &f, 0, status) == ERPT_OK)
      erpt_status_set(status, ERPT_UNAVAILABLE, "%s:%s is going away", host, port);
    erpt_close(c);
    return NULL;
  }
  if (got == 0 && (f.type != FRAME_SETTINGS || f.stream != 0 || apply_settings(c, &f))) {
    protocol_failure(c, status, GOAWAY_PROTOCOL_ERROR, "the first frame was not a valid SETTINGS");
    erpt_close(c);
    return NULL;
  }
  if (got) {
    if (got != -3)
      erpt_status_set(status, got == -2 ? ERPT_DEADLINE_EXCEEDED : ERPT_UNAVAILABLE,
                      "%s:%s sent no SETTINGS within %d ms", host, port, timeout);
    erpt_close(c);
    return NULL;
  }
  consume(c, HEADER_SIZE + f.len);
  status->code = ERPT_OK;
  status->message = strdup("");
  return c;
}

void erpt_close(erpt_connection *c) {
  if (!c) return;
  close(c->fd);
  free(c->in);
  free(c);
}

/* ---- one unary call --------------------------------------------------------------------- */

/* §2.1: printable ASCII 0x21–0x7E, lowercase. */
static int valid_key(const char *key) {
  size_t n = strlen(key);
  if (n == 0 || n > 0xFFFF) return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)key[i];
    if (ch < 0x21 || ch > 0x7E || (ch >= 'A' && ch <= 'Z')) return 0;
  }
  return 1;
}

/* §3.2: path and metadata, plus grpc-timeout (§2.1) when the call has a deadline. */
static uint32_t build_headers(buffer *b, const char *path, const erpt_metadata *metadata,
                              size_t count, int timeout_ms, erpt_status *status) {
  size_t path_len = strlen(path);
  if (path_len > 0xFFFF) return erpt_status_set(status, ERPT_INVALID_ARGUMENT, "path is too long");
  put_u16(b, (uint16_t)path_len);
  put(b, path, path_len);
  for (size_t i = 0; i < count; i++) {
    if (!metadata[i].key || !valid_key(metadata[i].key))
      return erpt_status_set(status, ERPT_INVALID_ARGUMENT,
                             "metadata key \"%s\" must be lowercase printable ASCII",
                             metadata[i].key ? metadata[i].key : "(null)");
    put_u16(b, (uint16_t)strlen(metadata[i].key));
    put(b, metadata[i].key, strlen(metadata[i].key));
    put_u32(b, (uint32_t)metadata[i].value_len);
    put(b, metadata[i].value, metadata[i].value_len);
  }
  if (timeout_ms > 0) {
    char value[16];
    /* At most 8 digits: milliseconds up to 99,999,999, whole seconds beyond. */
    if (timeout_ms <= 99999999)
      snprintf(value, sizeof value, "%dm", timeout_ms);
    else
      snprintf(value, sizeof value, "%dS", (timeout_ms + 999) / 1000);
    put_u16(b, 12);
    put(b, "grpc-timeout", 12);
    put_u32(b, (uint32_t)strlen(value));
    put(b, value, strlen(value));
  }
  return b->failed ? erpt_status_set(status, ERPT_INTERNAL, "out of memory") : ERPT_OK;
}

/* §3.3: the request in chunks of at most min(ours, the server's) MAX_FRAME_SIZE, the last one
 * flagged END_MESSAGE, then HALF_CLOSE (§3.4). */
static int send_request(erpt_connection *c, uint32_t stream, const buffer *headers,
                        const uint8_t *request, size_t len, int64_t deadline) {
  int result = send_frame(c, FRAME_HEADERS, 0, stream, headers->data, headers->len, deadline);
  size_t chunk = c->peer_max_frame < OWN_MAX_FRAME ? c->peer_max_frame : OWN_MAX_FRAME;
  size_t offset = 0;
  do {
    size_t n = len - offset < chunk ? len - offset : chunk;
    uint8_t flags = offset + n == len ? FLAG_END_MESSAGE : 0;
    if (!result)
      result = send_frame(c, FRAME_MESSAGE, flags, stream, request + offset, n, deadline);
    offset += n;
  } while (!result && offset < len);
  if (!result) result = send_frame(c, FRAME_HALF_CLOSE, 0, stream, NULL, 0, deadline);
  return result;
}

/* Reads frames until the call's stream ends; fills the response and the status. */
static uint32_t await_response(erpt_connection *c, uint32_t stream, int timeout_ms,
                               int64_t deadline, buffer *response, erpt_status *status) {
  int complete = 0; /* a whole response message arrived */
  for (;;) {
    frame f;
    int got = read_frame(c, &f, deadline, status);
    if (got == -3) return status->code;
    if (got == -2) {
      send_status_frame(c, FRAME_RST_STREAM, stream, ERPT_CANCELLED, "deadline exceeded");
      return erpt_status_set(status, ERPT_DEADLINE_EXCEEDED, "no answer within %d ms", timeout_ms);
    }
    if (got == -1) {
      c->broken = 1;
      return erpt_status_set(status, ERPT_UNAVAILABLE,
                             "the server closed the connection during the call");
    }
    uint32_t code = ERPT_OK;
    int connection_level =
        f.type == FRAME_SETTINGS || f.type == FRAME_PING || f.type == FRAME_GOAWAY;
    if (f.type > FRAME_GOAWAY) {
      /* §2: unknown types are ignored. */
    } else if (connection_level != (f.stream == 0)) {
      code = protocol_failure(c, status, GOAWAY_PROTOCOL_ERROR,
                              "frame type used on the wrong stream");
    } else if (connection_level) {
      code = handle_connection_frame(c, &f, stream, status);
    } else if (f.stream % 2 == 0 || f.stream > stream) {
      code = protocol_failure(c, status, GOAWAY_PROTOCOL_ERROR, "frame for a stream never opened");
    } else if (f.stream < stream) {
      /* An earlier call's stream, ended here (a deadline): ignored (§4). */
    } else if (f.type == FRAME_HEADERS) {
      if (parse_metadata(f.payload, f.len, status))
        code = protocol_failure(c, status, GOAWAY_PROTOCOL_ERROR, "bad metadata in HEADERS");
    } else if (f.type == FRAME_MESSAGE) {
      if (complete) {
        send_status_frame(c, FRAME_RST_STREAM, stream, ERPT_CANCELLED, "second response message");
        code = erpt_status_set(status, ERPT_INTERNAL,
                               "the server sent more than one message for a unary call");
      } else if (response->len + f.len > c->max_message) {
        send_status_frame(c, FRAME_RST_STREAM, stream, ERPT_RESOURCE_EXHAUSTED,
                          "response message exceeds MAX_MESSAGE_SIZE");
        code = erpt_status_set(status, ERPT_RESOURCE_EXHAUSTED,
                               "the response message exceeds this client's limit of %u bytes",
                               c->max_message);
      } else {
        put(response, f.payload, f.len);
        complete = (f.flags & FLAG_END_MESSAGE) != 0;
        if (response->failed) code = erpt_status_set(status, ERPT_INTERNAL, "out of memory");
      }
    } else if (f.type == FRAME_TRAILERS || f.type == FRAME_RST_STREAM) {
      if (parse_status(&f, f.type == FRAME_TRAILERS, status)) {
        code = protocol_failure(c, status, GOAWAY_PROTOCOL_ERROR, "bad status payload");
      } else {
        consume(c, HEADER_SIZE + f.len);
        if (status->code == ERPT_OK && !complete)
          return erpt_status_set(status, ERPT_INTERNAL,
                                 "the call ended OK without a response message");
        return status->code;
      }
    }
    /* WINDOW_UPDATE: a unary call sends a single message, started with the initial credit. */
    consume(c, HEADER_SIZE + f.len);
    if (code) return code;
  }
}

uint32_t erpt_unary(erpt_connection *c, const char *path, const erpt_metadata *metadata,
                    size_t metadata_count, const uint8_t *request, size_t request_len,
                    int timeout_ms, uint8_t **response, size_t *response_len,
                    erpt_status *status) {
  erpt_status_clear(status);
  *response = NULL;
  *response_len = 0;
  if (c) read_idle(c);
  if (!c || c->broken)
    return erpt_status_set(status, ERPT_UNAVAILABLE, "the connection is closed; open a new one");
  if (c->going_away)
    return erpt_status_set(status, ERPT_UNAVAILABLE,
                           "the server is going away; open a new connection");
  if (c->next_stream > LAST_STREAM_ID)
    return erpt_status_set(status, ERPT_UNAVAILABLE,
                           "stream ids are used up; open a new connection");

  buffer headers = {0};
  uint32_t code = build_headers(&headers, path, metadata, metadata_count, timeout_ms, status);
  if (code == ERPT_OK && !c->skip_local_limits) {
    /* §3.3: senders check the receiver's limits and fail the call locally. */
    if (headers.len > c->peer_max_metadata)
      code = erpt_status_set(status, ERPT_RESOURCE_EXHAUSTED,
                             "request metadata of %zu bytes exceeds the server's limit of %u bytes",
                             headers.len, c->peer_max_metadata);
    else if (request_len > c->peer_max_message)
      code = erpt_status_set(status, ERPT_RESOURCE_EXHAUSTED,
                             "request message of %zu bytes exceeds the server's limit of %u bytes",
                             request_len, c->peer_max_message);
    else if (c->peer_initial_window == 0)
      code = erpt_status_set(status, ERPT_UNAVAILABLE,
                             "the server grants no initial flow-control credit");
  }
  if (code != ERPT_OK) {
    free(headers.data);
    return code;
  }

  int64_t deadline = timeout_ms > 0 ? now_ms() + timeout_ms : -1;
  uint32_t stream = c->next_stream;
  c->next_stream += 2;
  int sent = send_request(c, stream, &headers, request, request_len, deadline);
  int send_errno = errno;
  free(headers.data);
  if (sent) {
    /* Part of a frame may be on the wire: the connection can no longer be framed. */
    c->broken = 1;
    shutdown(c->fd, SHUT_RDWR);
    if (sent == -2)
      return erpt_status_set(status, ERPT_DEADLINE_EXCEEDED, "request not sent within %d ms",
                             timeout_ms);
    return erpt_status_set(status, ERPT_UNAVAILABLE, "connection lost while sending: %s",
                           strerror(send_errno));
  }

  buffer body = {0};
  code = await_response(c, stream, timeout_ms, deadline, &body, status);
  if (code == ERPT_OK) {
    *response = body.data ? body.data : malloc(1);
    *response_len = body.len;
  } else {
    free(body.data);
  }
  if (!status->message) status->message = strdup("");
  return code;
}
