/*
 * erpt-probe: the C side of the interop tests (Tests/GatewayTests/CClientInteropTests.swift).
 * It reports what the server did; the tests decide whether that is right.
 *
 *   erpt-probe HOST PORT call PATH [KEY]
 *       an empty request message through erpt.c; prints "status=N name=CODE message=…"
 *   erpt-probe HOST PORT oversized KEY BYTES
 *       a CreateCustomer of about BYTES bytes: first as the library sends it (checked against
 *       the server's limit before sending), then unchecked; then a small call on the same
 *       connection. Prints "local …", "server …", "after …" status lines.
 *   erpt-probe HOST PORT reconnect KEY SIGNAL_FILE
 *       a call, then (once SIGNAL_FILE exists: the test restarted the server meanwhile) a
 *       second call on the same client; prints "first …" and "second …" status lines.
 *   erpt-probe HOST PORT bench KEY CUSTOMER_ID CALLS
 *       prints "p50_ms=…" of CALLS sequential GetCustomer calls (the gateway benchmark).
 *   erpt-probe HOST PORT malformed KEY [CASE …]
 *       writes each malformed-frame case (all when none is named) to a fresh connection and
 *       prints one line per case: the GOAWAY code and reason, whether a PING sent after the
 *       case was answered, the status of a call the case made, whether the server closed,
 *       and the status of a call on a new connection afterwards (is it still serving?).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "erp/customers/v1/customers.pb-c.h"
#include "erp_client.h"

static const char *host;
static const char *port;

/* ---- raw bytes -------------------------------------------------------------------------- */

typedef struct {
  unsigned char data[32768];
  size_t len;
} bytes;

static void add(bytes *b, const void *p, size_t n) {
  if (b->len + n > sizeof b->data) {
    fprintf(stderr, "probe buffer too small\n");
    exit(3);
  }
  memcpy(b->data + b->len, p, n);
  b->len += n;
}

static void add_u16(bytes *b, unsigned v) {
  unsigned char p[2] = {(unsigned char)(v >> 8), (unsigned char)v};
  add(b, p, 2);
}

static void add_u32(bytes *b, unsigned long v) {
  unsigned char p[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                        (unsigned char)(v >> 8), (unsigned char)v};
  add(b, p, 4);
}

static void add_frame(bytes *b, unsigned type, unsigned flags, unsigned long stream,
                      const void *payload, size_t len) {
  add_u32(b, len);
  unsigned char tf[2] = {(unsigned char)type, (unsigned char)flags};
  add(b, tf, 2);
  add_u32(b, stream);
  add(b, payload, len);
}

static void add_preface(bytes *b) { add(b, "ERPT\x00\x01\x00\x00", 8); }

static void add_settings(bytes *b) { add_frame(b, 0, 0, 0, "", 0); }

/* HEADERS opening `stream` on `path`, with the API key when one is given. */
static void add_headers(bytes *b, unsigned long stream, const char *path, const char *key) {
  bytes payload = {.len = 0};
  add_u16(&payload, (unsigned)strlen(path));
  add(&payload, path, strlen(path));
  if (key) {
    add_u16(&payload, 13);
    add(&payload, "x-erp-api-key", 13);
    add_u32(&payload, strlen(key));
    add(&payload, key, strlen(key));
  }
  add_frame(b, 1, 0, stream, payload.data, payload.len);
}

static void add_ping(bytes *b) { add_frame(b, 7, 0, 0, "PROBE-OK", 8); }

/* GetCustomer{id: "C-404404"}: field 1, length 8. */
static const unsigned char GET_MISSING[] = {0x0a, 8, 'C', '-', '4', '0', '4', '4', '0', '4'};
#define GET_PATH "/erp.customers.v1.Customers/GetCustomer"

/* ---- one malformed case ----------------------------------------------------------------- */

typedef struct {
  const char *name;
  bytes first;
  /* After `first`, wait for the TRAILERS of stream 1 before writing `second`. */
  int wait_for_trailers;
  bytes second;
  /* Close our sending side after the bytes instead of sending the closing PING. */
  int half_close;
} probe_case;

typedef struct {
  long goaway; /* -1: none */
  char reason[256];
  int ping_ack;
  long trailers; /* status of stream 1's TRAILERS, -1: none */
  int closed;
} observed;

static int dial(void) {
  struct addrinfo hints = {0}, *found = NULL;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, port, &hints, &found)) return -1;
  int fd = socket(found->ai_family, found->ai_socktype, found->ai_protocol);
  if (fd >= 0 && connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
    close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  return fd;
}

static unsigned long be32(const unsigned char *p) {
  return (unsigned long)p[0] << 24 | (unsigned long)p[1] << 16 | (unsigned long)p[2] << 8 | p[3];
}

/* Reads and parses what the server sends until it closes, answers our PING, or (with
 * `until_trailers`) ends stream 1; 5 s at most. Returns 0, or -1 on a socket error. */
static int observe(int fd, observed *seen, int until_trailers, unsigned char *in, size_t *in_len,
                   size_t *parsed) {
  time_t give_up = time(NULL) + 5;
  for (;;) {
    /* Parse everything buffered: the 8-byte preface first, then frames. */
    for (;;) {
      if (*parsed == 0) {
        if (*in_len < 8) break;
        *parsed = 8;
        continue;
      }
      if (*in_len - *parsed < 10) break;
      const unsigned char *h = in + *parsed;
      unsigned long len = be32(h);
      if (*in_len - *parsed < 10 + len) break;
      const unsigned char *payload = h + 10;
      unsigned type = h[4], flags = h[5];
      unsigned long stream = be32(h + 6);
      if (type == 8 && len >= 8 && seen->goaway < 0) {
        seen->goaway = (long)be32(payload + 4);
        size_t n = len - 8 < sizeof seen->reason - 1 ? len - 8 : sizeof seen->reason - 1;
        memcpy(seen->reason, payload + 8, n);
        seen->reason[n] = '\0';
      }
      if (type == 7 && (flags & 1) && len == 8 && memcmp(payload, "PROBE-OK", 8) == 0)
        seen->ping_ack = 1;
      if (type == 4 && stream == 1 && len >= 4) seen->trailers = (long)be32(payload);
      *parsed += 10 + len;
    }
    if (seen->ping_ack || (until_trailers && seen->trailers >= 0)) return 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int left = (int)(give_up - time(NULL));
    if (left <= 0 || poll(&p, 1, left * 1000) <= 0) return 0;
    ssize_t n = recv(fd, in + *in_len, 65536 - *in_len, 0);
    if (n == 0 || (n < 0 && errno == ECONNRESET)) {
      seen->closed = 1;
      return 0;
    }
    if (n < 0) return -1;
    *in_len += (size_t)n;
    if (*in_len == 65536) return 0;
  }
}

static int run_case(const probe_case *c, observed *seen) {
  memset(seen, 0, sizeof *seen);
  seen->goaway = -1;
  seen->trailers = -1;
  int fd = dial();
  if (fd < 0) return -1;
  static unsigned char in[65536];
  size_t in_len = 0, parsed = 0;
  int result = send(fd, c->first.data, c->first.len, MSG_NOSIGNAL) < 0 ? -1 : 0;
  if (!result && c->wait_for_trailers) {
    result = observe(fd, seen, 1, in, &in_len, &parsed);
    if (!result && send(fd, c->second.data, c->second.len, MSG_NOSIGNAL) < 0) result = -1;
  }
  if (!result) {
    if (c->half_close) {
      shutdown(fd, SHUT_WR);
    } else {
      bytes ping = {.len = 0};
      add_ping(&ping);
      send(fd, ping.data, ping.len, MSG_NOSIGNAL); /* may fail: the server may have closed */
    }
    result = observe(fd, seen, 0, in, &in_len, &parsed);
  }
  close(fd);
  return result;
}

/* One call on a connection of its own, through the library; `key` may be NULL. */
static void call_once(const char *path, const char *key, const uint8_t *request, size_t len,
                      erpt_status *status) {
  erpt_connection *connection = erpt_connect(host, port, NULL, status);
  if (!connection) return;
  erpt_metadata metadata = {"x-erp-api-key", (uint8_t *)key, key ? strlen(key) : 0};
  uint8_t *answer = NULL;
  size_t answer_len = 0;
  erpt_unary(connection, path, &metadata, key ? 1 : 0, request, len, 5000, &answer, &answer_len,
             status);
  free(answer);
  erpt_close(connection);
}

/* A call on a new connection after the case, with the key: NOT_FOUND (the customer does not
 * exist) shows it still serves. With the key, so that the check does not count as a failed
 * authentication: twenty-odd cases of those from one address would empty the gateway's
 * failed-authentication bucket and the last checks would see RESOURCE_EXHAUSTED instead. */
static unsigned still_serving(const char *key) {
  erpt_status status = {0};
  call_once(GET_PATH, key, GET_MISSING, sizeof GET_MISSING, &status);
  unsigned code = status.code;
  erpt_status_clear(&status);
  return code;
}

/* ---- the cases (proto/transport/README.md §5) ------------------------------------------- */

#define MAX_CASES 32
static probe_case cases[MAX_CASES];
static int case_count;

static probe_case *new_case(const char *name) {
  probe_case *c = &cases[case_count++];
  memset(c, 0, sizeof *c);
  c->name = name;
  return c;
}

/* Preface, SETTINGS, and HEADERS of a GetCustomer with the key on stream 1. */
static probe_case *opened_case(const char *name, const char *key) {
  probe_case *c = new_case(name);
  add_preface(&c->first);
  add_settings(&c->first);
  add_headers(&c->first, 1, GET_PATH, key);
  return c;
}

static probe_case *started_case(const char *name) {
  probe_case *c = new_case(name);
  add_preface(&c->first);
  add_settings(&c->first);
  return c;
}

static void build_cases(const char *key) {
  probe_case *c = new_case("wrong-magic");
  const char *http = "GET / HTTP/1.1\r\nHost: gateway\r\n\r\n";
  add(&c->first, http, strlen(http));

  c = new_case("wrong-version");
  add(&c->first, "ERPT\x00\x09\x00\x00", 8);
  add_settings(&c->first);

  c = new_case("random-bytes");
  unsigned long state = 0x2545F491UL; /* fixed seed: the same bytes every run */
  for (int i = 0; i < 4096; i++) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    unsigned char byte = (unsigned char)(state >> 24);
    add(&c->first, &byte, 1);
  }

  c = new_case("headers-before-settings");
  add_preface(&c->first);
  add_headers(&c->first, 1, GET_PATH, key);

  c = started_case("settings-length-not-multiple-of-6");
  add_frame(&c->first, 0, 0, 0, "\x00\x03\x00\x00\x40", 5);

  c = started_case("settings-frame-size-below-1024");
  add_frame(&c->first, 0, 0, 0, "\x00\x03\x00\x00\x00\x64", 6);

  c = started_case("length-over-limit");
  add_u32(&c->first, 0x7FFFFFFFUL);
  add(&c->first, "\x02\x00", 2);
  add_u32(&c->first, 1);

  c = started_case("message-chunk-over-max-frame-size");
  add_headers(&c->first, 1, GET_PATH, key);
  static unsigned char big[16385];
  add_frame(&c->first, 2, 1, 1, big, sizeof big);

  c = started_case("stream-never-opened");
  add_frame(&c->first, 2, 1, 41, "\x01", 1);

  c = started_case("even-stream-id");
  add_headers(&c->first, 2, GET_PATH, key);

  c = opened_case("reused-stream-id", key);
  add_headers(&c->first, 1, GET_PATH, key);

  c = started_case("truncated-metadata");
  add_frame(&c->first, 1, 0, 1, "\x00\x28/x", 4);

  c = started_case("message-on-stream-0");
  add_frame(&c->first, 2, 1, 0, "\x01", 1);

  c = started_case("ping-on-a-stream");
  add_frame(&c->first, 7, 0, 1, "12345678", 8);

  c = started_case("ping-of-4-bytes");
  add_frame(&c->first, 7, 0, 0, "1234", 4);

  c = opened_case("half-close-mid-message", key);
  add_frame(&c->first, 2, 0, 1, GET_MISSING, 4);
  add_frame(&c->first, 3, 0, 1, "", 0);

  c = opened_case("message-after-half-close", key);
  add_frame(&c->first, 3, 0, 1, "", 0);
  add_frame(&c->first, 2, 1, 1, GET_MISSING, sizeof GET_MISSING);

  c = opened_case("window-update-of-zero", key);
  add_frame(&c->first, 6, 0, 1, "\x00\x00\x00\x00", 4);

  c = started_case("unknown-frame-type");
  add_frame(&c->first, 0x42, 0, 0, "\x09\x09", 2);

  c = opened_case("frame-for-ended-stream", key);
  add_frame(&c->first, 2, 1, 1, GET_MISSING, sizeof GET_MISSING);
  add_frame(&c->first, 3, 0, 1, "", 0);
  c->wait_for_trailers = 1;
  add_frame(&c->second, 2, 1, 1, GET_MISSING, sizeof GET_MISSING);
  add_frame(&c->second, 6, 0, 1, "\x00\x00\x10\x00", 4);

  c = started_case("truncated-header-then-close");
  add(&c->first, "\x00\x00\x00", 3);
  c->half_close = 1;
}

static int malformed(const char *key, int argc, char **argv) {
  build_cases(key);
  int ran = 0;
  for (int i = 0; i < case_count; i++) {
    int wanted = argc == 0;
    for (int j = 0; j < argc; j++) wanted |= strcmp(argv[j], cases[i].name) == 0;
    if (!wanted) continue;
    observed seen;
    if (run_case(&cases[i], &seen)) {
      printf("case=%s error=%s\n", cases[i].name, strerror(errno));
      continue;
    }
    char goaway[24] = "none", trailers[24] = "none";
    if (seen.goaway >= 0) snprintf(goaway, sizeof goaway, "%ld", seen.goaway);
    if (seen.trailers >= 0) snprintf(trailers, sizeof trailers, "%ld", seen.trailers);
    printf("case=%s goaway=%s ping_ack=%d trailers=%s closed=%d serving=%u reason=%s\n",
           cases[i].name, goaway, seen.ping_ack, trailers, seen.closed, still_serving(key),
           seen.reason);
    ran++;
  }
  return ran ? 0 : 1;
}

/* ---- status probes ---------------------------------------------------------------------- */

static void print_status(const char *label, const erpt_status *status) {
  printf("%sstatus=%u name=%s message=%s\n", label, status->code, erpt_code_name(status->code),
         status->message);
}

static int call(const char *path, const char *key) {
  erpt_status status = {0};
  call_once(path, key, (const uint8_t *)"", 0, &status);
  print_status("", &status);
  erpt_status_clear(&status);
  return 0;
}

/* An erp_client on HOST:PORT; on failure prints why and returns NULL. */
static erp_client *open_client(const char *key, const erpt_options *options,
                               erpt_status *status) {
  char address[300];
  snprintf(address, sizeof address, "%s:%s", host, port);
  erp_client *client = erp_client_open(address, key, options, status);
  if (!client) print_status("open ", status);
  return client;
}

static uint32_t create_large(erp_client *client, size_t size, erpt_status *status) {
  char *name = malloc(size + 1);
  if (!name) return ERPT_INTERNAL;
  memset(name, 'x', size);
  name[size] = '\0';
  Erp__Customers__V1__Customer customer = ERP__CUSTOMERS__V1__CUSTOMER__INIT;
  customer.kind = ERP__CUSTOMERS__V1__CUSTOMER_KIND__CUSTOMER_KIND_ORGANISATION;
  customer.name = name;
  Erp__Customers__V1__CreateCustomerRequest request =
      ERP__CUSTOMERS__V1__CREATE_CUSTOMER_REQUEST__INIT;
  request.request_id = "erpt-probe-oversized";
  request.customer = &customer;
  ProtobufCMessage *answer = NULL;
  uint32_t code = erp_client_call(client, &erp__customers__v1__customers__descriptor,
                                  "CreateCustomer", &request.base, &answer, status);
  if (answer) protobuf_c_message_free_unpacked(answer, NULL);
  free(name);
  return code;
}

static int oversized(const char *key, size_t size) {
  erpt_status status = {0};
  erp_client *client = open_client(key, NULL, &status);
  if (!client) return 1;
  create_large(client, size, &status);
  print_status("local ", &status);
  erp_client_close(client);

  erpt_options unchecked = {.skip_local_limits = 1};
  client = open_client(key, &unchecked, &status);
  if (!client) return 1;
  create_large(client, size, &status);
  print_status("server ", &status);
  /* The same connection still carries calls: only that stream ended. */
  Erp__Customers__V1__GetCustomerRequest get = ERP__CUSTOMERS__V1__GET_CUSTOMER_REQUEST__INIT;
  get.id = "C-404404";
  ProtobufCMessage *answer = NULL;
  erp_client_call(client, &erp__customers__v1__customers__descriptor, "GetCustomer", &get.base,
                  &answer, &status);
  if (answer) protobuf_c_message_free_unpacked(answer, NULL);
  print_status("after ", &status);
  erpt_status_clear(&status);
  erp_client_close(client);
  return 0;
}

/* Two calls on one client with a server restart between them (the test restarts it, then
 * creates `signal_file`): the second must go out on a new connection, not fail on the old. */
static int reconnect(const char *key, const char *signal_file) {
  erpt_status status = {0};
  erp_client *client = open_client(key, NULL, &status);
  if (!client) return 1;
  Erp__Customers__V1__GetCustomerRequest get = ERP__CUSTOMERS__V1__GET_CUSTOMER_REQUEST__INIT;
  get.id = "C-404404";
  for (int round = 0; round < 2; round++) {
    ProtobufCMessage *answer = NULL;
    erp_client_call(client, &erp__customers__v1__customers__descriptor, "GetCustomer", &get.base,
                    &answer, &status);
    if (answer) protobuf_c_message_free_unpacked(answer, NULL);
    print_status(round == 0 ? "first " : "second ", &status);
    fflush(stdout);
    for (int waited = 0; round == 0 && access(signal_file, F_OK) != 0; waited += 50) {
      if (waited > 60000) {
        puts("no signal file within 60 s");
        return 1;
      }
      struct timespec pause = {0, 50 * 1000 * 1000};
      nanosleep(&pause, NULL);
    }
  }
  erpt_status_clear(&status);
  erp_client_close(client);
  return 0;
}

static double elapsed_ms(const struct timespec *from, const struct timespec *to) {
  return (double)(to->tv_sec - from->tv_sec) * 1e3 + (double)(to->tv_nsec - from->tv_nsec) / 1e6;
}

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* p50 latency of `calls` sequential GetCustomer calls on one client, after 20 to warm up; for
 * the gateway benchmark, which compares it with the Swift client's in the same run. */
static int bench(const char *key, const char *id, int calls) {
  if (calls <= 0) return 1;
  erpt_status status = {0};
  erp_client *client = open_client(key, NULL, &status);
  double *samples = calloc((size_t)calls, sizeof *samples);
  if (!client || !samples) {
    erp_client_close(client);
    free(samples);
    return 1;
  }
  Erp__Customers__V1__GetCustomerRequest get = ERP__CUSTOMERS__V1__GET_CUSTOMER_REQUEST__INIT;
  get.id = (char *)id;
  for (int i = -20; i < calls; i++) {
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    ProtobufCMessage *answer = NULL;
    uint32_t code = erp_client_call(client, &erp__customers__v1__customers__descriptor,
                                    "GetCustomer", &get.base, &answer, &status);
    clock_gettime(CLOCK_MONOTONIC, &end);
    if (answer) protobuf_c_message_free_unpacked(answer, NULL);
    if (code != ERPT_OK) {
      print_status("call ", &status);
      erpt_status_clear(&status);
      erp_client_close(client);
      free(samples);
      return 1;
    }
    if (i >= 0) samples[i] = elapsed_ms(&start, &end);
  }
  qsort(samples, (size_t)calls, sizeof *samples, by_value);
  printf("p50_ms=%.3f\n", samples[calls / 2]);
  free(samples);
  erpt_status_clear(&status);
  erp_client_close(client);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fputs("usage: erpt-probe HOST PORT call PATH [KEY] | oversized KEY BYTES | "
          "malformed KEY [CASE ...] | reconnect KEY SIGNAL_FILE | bench KEY ID CALLS\n",
          stderr);
    return 1;
  }
  host = argv[1];
  port = argv[2];
  const char *command = argv[3];
  if (strcmp(command, "call") == 0 && argc >= 5) return call(argv[4], argc > 5 ? argv[5] : NULL);
  if (strcmp(command, "oversized") == 0 && argc == 6)
    return oversized(argv[4], (size_t)strtoull(argv[5], NULL, 10));
  if (strcmp(command, "malformed") == 0 && argc >= 5) return malformed(argv[4], argc - 5, argv + 5);
  if (strcmp(command, "reconnect") == 0 && argc == 6) return reconnect(argv[4], argv[5]);
  if (strcmp(command, "bench") == 0 && argc == 7) return bench(argv[4], argv[5], atoi(argv[6]));
  fputs("erpt-probe: unknown command or missing arguments\n", stderr);
  return 1;
}
