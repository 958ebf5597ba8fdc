/*
 * erp_client.c: protobuf-c messages over erpt.c, with the partner's API key on every call.
 */
#define _POSIX_C_SOURCE 200809L

#include "erp_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 10000

struct erp_client {
  char *host;
  char *port;
  char *api_key;
  erpt_options options;
  int timeout_ms;
  erpt_connection *connection;
};

/* Splits "host:port" or "[v6]:port"; 0 on success. */
static int split_address(const char *address, char **host, char **port) {
  const char *colon = strrchr(address, ':');
  if (!colon || colon == address || !colon[1]) return -1;
  const char *start = address;
  const char *end = colon;
  if (*start == '[') {
    if (end[-1] != ']') return -1;
    start++;
    end--;
  }
  *host = strndup(start, (size_t)(end - start));
  *port = strdup(colon + 1);
  return *host && *port ? 0 : -1;
}

erp_client *erp_client_open(const char *address, const char *api_key, const erpt_options *options,
                            erpt_status *status) {
  erpt_status_clear(status);
  erp_client *client = calloc(1, sizeof *client);
  if (!client) {
    erpt_status_set(status, ERPT_INTERNAL, "out of memory");
    return NULL;
  }
  if (!address || split_address(address, &client->host, &client->port)) {
    erpt_status_set(status, ERPT_INVALID_ARGUMENT, "address \"%s\" is not host:port",
                    address ? address : "");
    erp_client_close(client);
    return NULL;
  }
  client->api_key = api_key ? strdup(api_key) : NULL;
  if (options) client->options = *options;
  client->timeout_ms = DEFAULT_TIMEOUT_MS;
  client->connection = erpt_connect(client->host, client->port, &client->options, status);
  if (!client->connection) {
    erp_client_close(client);
    return NULL;
  }
  return client;
}

void erp_client_set_timeout(erp_client *client, int timeout_ms) {
  client->timeout_ms = timeout_ms < 0 ? 0 : timeout_ms;
}

uint32_t erp_client_call(erp_client *client, const ProtobufCServiceDescriptor *service,
                         const char *method_name, const ProtobufCMessage *request,
                         ProtobufCMessage **response, erpt_status *status) {
  erpt_status_clear(status);
  *response = NULL;
  const ProtobufCMethodDescriptor *method =
      protobuf_c_service_descriptor_get_method_by_name(service, method_name);
  if (!method)
    return erpt_status_set(status, ERPT_UNIMPLEMENTED, "%s has no method %s", service->name,
                           method_name);
  if (!request || request->descriptor != method->input)
    return erpt_status_set(status, ERPT_INVALID_ARGUMENT, "%s.%s takes a %s", service->name,
                           method_name, method->input->name);
  if (!erpt_usable(client->connection)) {
    erpt_close(client->connection);
    client->connection = erpt_connect(client->host, client->port, &client->options, status);
    if (!client->connection) return status->code;
  }

  size_t path_len = strlen(service->name) + strlen(method->name) + 3;
  char *path = malloc(path_len);
  size_t size = protobuf_c_message_get_packed_size(request);
  uint8_t *bytes = malloc(size ? size : 1);
  if (!path || !bytes) {
    free(path);
    free(bytes);
    return erpt_status_set(status, ERPT_INTERNAL, "out of memory");
  }
  snprintf(path, path_len, "/%s/%s", service->name, method->name);
  protobuf_c_message_pack(request, bytes);

  erpt_metadata key = {"x-erp-api-key", (uint8_t *)client->api_key,
                       client->api_key ? strlen(client->api_key) : 0};
  uint8_t *answer = NULL;
  size_t answer_len = 0;
  uint32_t code = erpt_unary(client->connection, path, &key, client->api_key ? 1 : 0, bytes, size,
                             client->timeout_ms, &answer, &answer_len, status);
  free(path);
  free(bytes);
  if (code != ERPT_OK) return code;
  *response = protobuf_c_message_unpack(method->output, NULL, answer_len, answer);
  free(answer);
  if (!*response) {
    erpt_status_clear(status);
    return erpt_status_set(status, ERPT_INTERNAL, "the answer is not a valid %s",
                           method->output->name);
  }
  return ERPT_OK;
}

void erp_client_close(erp_client *client) {
  if (!client) return;
  erpt_close(client->connection);
  free(client->host);
  free(client->port);
  free(client->api_key);
  free(client);
}
