/*
 * erpt.h: unary calls over ERPT, the system's gRPC-over-TCP protocol, in portable C.
 *
 * Written from proto/transport/README.md alone; it shares no code with the Swift
 * implementation, which is what makes it a test of the specification. Needs only libc (POSIX
 * sockets). One connection carries any number of calls, one after another; a connection is
 * not thread-safe (use one per thread). Messages are opaque bytes here: erp_client.h adds
 * protobuf-c encoding on top.
 */
#ifndef ERPT_H
#define ERPT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* gRPC's status codes, which the protocol carries unchanged. */
enum {
  ERPT_OK = 0,
  ERPT_CANCELLED = 1,
  ERPT_UNKNOWN = 2,
  ERPT_INVALID_ARGUMENT = 3,
  ERPT_DEADLINE_EXCEEDED = 4,
  ERPT_NOT_FOUND = 5,
  ERPT_ALREADY_EXISTS = 6,
  ERPT_PERMISSION_DENIED = 7,
  ERPT_RESOURCE_EXHAUSTED = 8,
  ERPT_FAILED_PRECONDITION = 9,
  ERPT_ABORTED = 10,
  ERPT_OUT_OF_RANGE = 11,
  ERPT_UNIMPLEMENTED = 12,
  ERPT_INTERNAL = 13,
  ERPT_UNAVAILABLE = 14,
  ERPT_DATA_LOSS = 15,
  ERPT_UNAUTHENTICATED = 16
};

/* One metadata entry. Keys are lowercase printable ASCII; a value is UTF-8 text, or raw bytes
 * when the key ends in "-bin". Received values are also NUL-terminated for convenience. */
typedef struct erpt_metadata {
  char *key;
  uint8_t *value;
  size_t value_len;
} erpt_metadata;

/* How a call ended. `message` is never NULL once a function has filled the status; `metadata`
 * holds the response's initial then trailing metadata. Start from a zeroed status
 * (`erpt_status status = {0};`): every function clears it before filling it, and
 * erpt_status_clear releases it at the end. */
typedef struct erpt_status {
  uint32_t code;
  char *message;
  erpt_metadata *metadata;
  size_t metadata_count;
} erpt_status;

/* Connection options; a zeroed struct (or NULL) means the defaults. */
typedef struct erpt_options {
  /* Largest response message accepted, announced to the server; 0 means 4 MiB. */
  uint32_t max_message_size;
  /* Milliseconds allowed for the TCP connect and the server's preface; 0 means 5000. */
  int connect_timeout_ms;
  /* Non-zero sends requests without checking them against the server's limits first (the
   * specification asks senders to check; the interop tests turn it off to see the server's
   * own answer). */
  int skip_local_limits;
} erpt_options;

typedef struct erpt_connection erpt_connection;

/* Opens a connection to host:port (a name or an address) and exchanges prefaces and SETTINGS.
 * Returns NULL on failure, with `status` saying why (UNAVAILABLE, or DEADLINE_EXCEEDED). */
erpt_connection *erpt_connect(const char *host, const char *port, const erpt_options *options,
                              erpt_status *status);

/* One unary call: `path` is "/package.Service/Method"; `metadata` is sent with it; a positive
 * `timeout_ms` becomes the grpc-timeout deadline and bounds the wait here too. On OK,
 * `*response` (malloc'd; free it) holds the response message's bytes. Returns the status code,
 * also stored in `status`. Local failures use gRPC's codes as well: RESOURCE_EXHAUSTED for a
 * request above the server's limit, UNAVAILABLE when the connection is lost or going away (open
 * a new one), DEADLINE_EXCEEDED when `timeout_ms` passes (the call is cancelled). */
uint32_t erpt_unary(erpt_connection *connection, const char *path, const erpt_metadata *metadata,
                    size_t metadata_count, const uint8_t *request, size_t request_len,
                    int timeout_ms, uint8_t **response, size_t *response_len,
                    erpt_status *status);

/* Non-zero while the connection can start calls. First reads what the server sent while the
 * connection sat idle (never waiting): PINGs are answered, and a GOAWAY (a draining or idle
 * server) or a close makes it unusable, so a caller opens a new connection instead of losing a
 * call on this one. */
int erpt_usable(erpt_connection *connection);

/* Closes the socket and frees the connection. NULL is allowed. */
void erpt_close(erpt_connection *connection);

/* Frees what a status holds and zeroes it; it may be filled again. */
void erpt_status_clear(erpt_status *status);

/* Sets the code and a printf-formatted message (metadata kept); returns the code. For layers on
 * top that fail a call before it reaches the wire. */
uint32_t erpt_status_set(erpt_status *status, uint32_t code, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* The value of the last entry named `key` in the status's metadata, or NULL. */
const char *erpt_status_metadata(const erpt_status *status, const char *key);

/* "OK", "INVALID_ARGUMENT", … ("UNKNOWN" for codes beyond 16). */
const char *erpt_code_name(uint32_t code);

#ifdef __cplusplus
}
#endif

#endif /* ERPT_H */
