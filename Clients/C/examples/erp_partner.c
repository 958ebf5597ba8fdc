/*
 * erp-partner: what a partner system written in C does with the gateway, in one small program.
 *
 *   erp-partner [--address HOST:PORT] [--key KEY] [--timeout MS] COMMAND ...
 *     create-customer NAME [EMAIL]   creates an organisation, prints its id and name
 *     get-customer ID                prints the customer
 *     customer360 ID                 prints the integrated view and which sections answered
 *
 * The address and key also come from ERP_GATEWAY and ERP_API_KEY, as for erpctl. Exits 0 on
 * success, 1 on a usage error, 2 when the call failed (stderr: "error: CODE_NAME: message").
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "erp/customers/v1/customers.pb-c.h"
#include "erp/gateway/v1/views.pb-c.h"
#include "erp_client.h"

static int usage(void) {
  fputs("usage: erp-partner [--address HOST:PORT] [--key KEY] [--timeout MS] COMMAND ...\n"
        "  create-customer NAME [EMAIL]\n"
        "  get-customer ID\n"
        "  customer360 ID\n",
        stderr);
  return 1;
}

static int failed(const erpt_status *status) {
  fprintf(stderr, "error: %s: %s\n", erpt_code_name(status->code), status->message);
  return 2;
}

/* ISO 4217 minor-unit exponents that are not 2: the same table as Shared/ERPMoney/Currency.swift
 * (the services refuse codes it does not list, so every amount received has one of these or 2). */
static int exponent(const char *currency) {
  static const struct {
    const char *codes;
    int exponent;
  } table[] = {
      {"BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF", 0},
      {"BHD IQD JOD KWD LYD OMR TND", 3},
      {"CLF UYW", 4},
  };
  for (size_t i = 0; strlen(currency) == 3 && i < sizeof table / sizeof table[0]; i++) {
    for (const char *code = table[i].codes; *code; code += code[3] ? 4 : 3)
      if (strncmp(code, currency, 3) == 0) return table[i].exponent;
  }
  return 2;
}

/* "1234.500 KWD" from integer minor units: no floating point anywhere. */
static void print_money(const char *label, const Erp__Common__V1__Money *money) {
  if (!money || !money->currency_code[0]) {
    printf("%s: -\n", label);
    return;
  }
  int digits = exponent(money->currency_code);
  long long minor = (long long)money->units_minor;
  unsigned long long magnitude =
      minor < 0 ? 0ULL - (unsigned long long)minor : (unsigned long long)minor;
  unsigned long long scale = 1;
  for (int i = 0; i < digits; i++) scale *= 10;
  printf("%s: %s%llu", label, minor < 0 ? "-" : "", magnitude / scale);
  if (digits) printf(".%0*llu", digits, magnitude % scale);
  printf(" %s\n", money->currency_code);
}

static void print_customer(const Erp__Customers__V1__Customer *customer) {
  printf("id: %s\n", customer->id);
  printf("name: %s\n", customer->name);
  for (size_t i = 0; i < customer->n_emails; i++) printf("email: %s\n", customer->emails[i]);
  for (size_t i = 0; i < customer->n_phones; i++) printf("phone: %s\n", customer->phones[i]);
}

static int create_customer(erp_client *client, int argc, char **argv, erpt_status *status) {
  if (argc < 1) return usage();
  char request_id[64];
  /* The idempotency key: a retry of this very request must reuse it. */
  snprintf(request_id, sizeof request_id, "erp-partner-%ld-%ld", (long)time(NULL), (long)getpid());
  Erp__Customers__V1__Customer customer = ERP__CUSTOMERS__V1__CUSTOMER__INIT;
  customer.kind = ERP__CUSTOMERS__V1__CUSTOMER_KIND__CUSTOMER_KIND_ORGANISATION;
  customer.name = argv[0];
  if (argc > 1) {
    customer.n_emails = 1;
    customer.emails = &argv[1];
  }
  Erp__Customers__V1__CreateCustomerRequest request =
      ERP__CUSTOMERS__V1__CREATE_CUSTOMER_REQUEST__INIT;
  request.request_id = request_id;
  request.customer = &customer;
  ProtobufCMessage *answer = NULL;
  if (erp_client_call(client, &erp__customers__v1__customers__descriptor, "CreateCustomer",
                      &request.base, &answer, status) != ERPT_OK)
    return failed(status);
  print_customer((Erp__Customers__V1__Customer *)answer);
  protobuf_c_message_free_unpacked(answer, NULL);
  return 0;
}

static int get_customer(erp_client *client, int argc, char **argv, erpt_status *status) {
  if (argc != 1) return usage();
  Erp__Customers__V1__GetCustomerRequest request = ERP__CUSTOMERS__V1__GET_CUSTOMER_REQUEST__INIT;
  request.id = argv[0];
  ProtobufCMessage *answer = NULL;
  if (erp_client_call(client, &erp__customers__v1__customers__descriptor, "GetCustomer",
                      &request.base, &answer, status) != ERPT_OK)
    return failed(status);
  print_customer((Erp__Customers__V1__Customer *)answer);
  protobuf_c_message_free_unpacked(answer, NULL);
  return 0;
}

static int customer360(erp_client *client, int argc, char **argv, erpt_status *status) {
  if (argc != 1) return usage();
  Erp__Gateway__V1__Customer360Request request = ERP__GATEWAY__V1__CUSTOMER360_REQUEST__INIT;
  request.customer_id = argv[0];
  ProtobufCMessage *answer = NULL;
  if (erp_client_call(client, &erp__gateway__v1__views__descriptor, "Customer360", &request.base,
                      &answer, status) != ERPT_OK)
    return failed(status);
  Erp__Gateway__V1__Customer360View *view = (Erp__Gateway__V1__Customer360View *)answer;
  if (view->profile) print_customer(view->profile);
  printf("contacts: %zu\n", view->n_contacts);
  printf("recent activity: %zu\n", view->n_recent_activity);
  printf("open opportunities: %zu\n", view->n_open_opportunities);
  printf("recent orders: %zu\n", view->n_recent_orders);
  printf("open invoices: %zu\n", view->n_open_invoices);
  print_money("balance", view->balance);
  printf("recent shipments: %zu\n", view->n_recent_shipments);
  for (size_t i = 0; i < view->n_sections; i++) {
    const Erp__Gateway__V1__SectionStatus *section = view->sections[i];
    if (section->available)
      printf("section %s: available\n", section->section);
    else
      printf("section %s: %s (%s)\n", section->section, section->code, section->message);
  }
  protobuf_c_message_free_unpacked(answer, NULL);
  return 0;
}

int main(int argc, char **argv) {
  const char *address = getenv("ERP_GATEWAY") ? getenv("ERP_GATEWAY") : "127.0.0.1:7100";
  const char *key = getenv("ERP_API_KEY");
  int timeout_ms = 10000;
  int i = 1;
  for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
    if (strcmp(argv[i], "--address") == 0)
      address = argv[i + 1];
    else if (strcmp(argv[i], "--key") == 0)
      key = argv[i + 1];
    else if (strcmp(argv[i], "--timeout") == 0)
      timeout_ms = atoi(argv[i + 1]);
    else
      return usage();
  }
  if (i >= argc) return usage();
  const char *command = argv[i++];

  erpt_status status = {0};
  erp_client *client = erp_client_open(address, key, NULL, &status);
  if (!client) {
    int code = failed(&status);
    erpt_status_clear(&status);
    return code;
  }
  erp_client_set_timeout(client, timeout_ms);
  int result;
  if (strcmp(command, "create-customer") == 0)
    result = create_customer(client, argc - i, argv + i, &status);
  else if (strcmp(command, "get-customer") == 0)
    result = get_customer(client, argc - i, argv + i, &status);
  else if (strcmp(command, "customer360") == 0)
    result = customer360(client, argc - i, argv + i, &status);
  else
    result = usage();
  erpt_status_clear(&status);
  erp_client_close(client);
  return result;
}
