/*
 * erp_client.h: a partner's client for the ERP gateway, in C, on libprotobuf-c.
 *
 * Calls are named by the service descriptors protoc-c generates from proto/erp (for example
 * erp__customers__v1__customers__descriptor and "CreateCustomer"), so the path and the response
 * type come from the contract, not from strings typed here. Every call carries the partner's
 * API key (`x-erp-api-key`); the gateway derives the tenant from it.
 *
 *   erpt_status status = {0};
 *   erp_client *client = erp_client_open("127.0.0.1:7100", getenv("ERP_API_KEY"), NULL, &status);
 *   Erp__Customers__V1__GetCustomerRequest request =
 *       ERP__CUSTOMERS__V1__GET_CUSTOMER_REQUEST__INIT;
 *   request.id = "C-000001";
 *   ProtobufCMessage *answer = NULL;
 *   if (erp_client_call(client, &erp__customers__v1__customers__descriptor, "GetCustomer",
 *                       &request.base, &answer, &status) == ERPT_OK) {
 *     Erp__Customers__V1__Customer *customer = (Erp__Customers__V1__Customer *)answer;
 *     printf("%s\n", customer->name);
 *     protobuf_c_message_free_unpacked(answer, NULL);
 *   } else {
 *     fprintf(stderr, "%s: %s\n", erpt_code_name(status.code), status.message);
 *   }
 *   erpt_status_clear(&status);
 *   erp_client_close(client);
 *
 * A status must start zeroed; each function clears it before filling it again.
 */
#ifndef ERP_CLIENT_H
#define ERP_CLIENT_H

#include <protobuf-c/protobuf-c.h>

#include "erpt.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct erp_client erp_client;

/* Connects to the gateway at "host:port" ("[v6addr]:port" for IPv6). `api_key` may be NULL (only
 * useful for seeing UNAUTHENTICATED). `options` may be NULL. Returns NULL with `status` filled
 * when the gateway cannot be reached. */
erp_client *erp_client_open(const char *address, const char *api_key, const erpt_options *options,
                            erpt_status *status);

/* The deadline of each following call in milliseconds (default 10000; 0 = none). */
void erp_client_set_timeout(erp_client *client, int timeout_ms);

/* Calls `method` of `service` with `request`, which must be of the method's input type. On OK,
 * `*response` is the decoded answer (free it with protobuf_c_message_free_unpacked). A lost or
 * draining connection is replaced by a new one before the call. Returns the status code. */
uint32_t erp_client_call(erp_client *client, const ProtobufCServiceDescriptor *service,
                         const char *method, const ProtobufCMessage *request,
                         ProtobufCMessage **response, erpt_status *status);

/* Closes the connection and frees the client. NULL is allowed. */
void erp_client_close(erp_client *client);

#ifdef __cplusplus
}
#endif

#endif /* ERP_CLIENT_H */
