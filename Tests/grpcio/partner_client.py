"""A partner's stock gRPC client against the gateway's HTTP/2 door: Python's grpcio from PyPI,
sharing no code with the system, its stubs compiled from proto/ at test time into a temporary
folder. Run by Tests/GatewayTests/GRPCOverHTTP2Tests.swift against a real gateway and real
services; prints one `ok: ...` line per check, `WATCHING` once a health Watch reports SERVING
(the Swift test then drains the gateway), and `DRAINED` when that Watch reports NOT_SERVING.
Any failed check raises, so the exit status is not 0."""
import argparse
import importlib
import os
import sys
import tempfile

import grpc
from grpc_tools import protoc
from google.protobuf import descriptor_pb2


def compile_stubs(proto_root, out):
    """Our contracts as the `erp.*` modules; the standard health and reflection files (which
    import nothing) from their own folders, as top-level `health` and `reflection` modules: as
    `grpc.health...` they would hide grpcio's own `grpc` package."""
    include = os.path.join(os.path.dirname(protoc.__file__), "_proto")
    protos = []
    for root, _, files in os.walk(os.path.join(proto_root, "erp")):
        protos += [os.path.relpath(os.path.join(root, f), proto_root)
                   for f in files if f.endswith(".proto")]
    runs = [([f"-I{proto_root}"], sorted(protos))]
    for standard in ("grpc/health/v1/health.proto", "grpc/reflection/v1/reflection.proto"):
        folder, name = os.path.split(os.path.join(proto_root, standard))
        runs.append(([f"-I{folder}"], [name]))
    for includes, files in runs:
        status = protoc.main(["protoc"] + includes + [f"-I{include}", f"--python_out={out}",
                                                      f"--grpc_python_out={out}"] + files)
        if status != 0:
            raise SystemExit(f"protoc failed ({status})")
    sys.path.insert(0, out)


def stubs(module):
    return importlib.import_module(module + "_pb2"), importlib.import_module(module + "_pb2_grpc")


def expect(condition, what):
    if not condition:
        raise AssertionError(what)
    print(f"ok: {what}", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--address", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--proto-root", required=True)
    parser.add_argument("--services", help="comma-separated, expected listed")
    parser.add_argument("--tls-root", help="only check health over TLS trusting this PEM")
    args = parser.parse_args()
    out = tempfile.mkdtemp(prefix="erp-grpcio-")
    compile_stubs(args.proto_root, out)
    if args.tls_root:
        health_pb2, health_grpc = stubs("health")
        with open(args.tls_root, "rb") as handle:
            credentials = grpc.ssl_channel_credentials(root_certificates=handle.read())
        with grpc.secure_channel(args.address, credentials) as channel:
            answer = health_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(),
                                                          timeout=30)
            expect(answer.status == health_pb2.HealthCheckResponse.SERVING,
                   "health Check over TLS is SERVING")
        return
    customers_pb2, customers_grpc = stubs("erp.customers.v1.customers")
    ledger_pb2, ledger_grpc = stubs("erp.finance.v1.ledger")
    money_pb2 = importlib.import_module("erp.common.v1.money_pb2")
    date_pb2 = importlib.import_module("erp.common.v1.date_pb2")
    health_pb2, health_grpc = stubs("health")
    reflection_pb2, reflection_grpc = stubs("reflection")
    key = [("x-erp-api-key", args.key)]

    with grpc.insecure_channel(args.address) as channel:
        customers = customers_grpc.CustomersStub(channel)
        # Unary: create a customer with an Arabic name, read it back.
        created = customers.CreateCustomer(customers_pb2.CreateCustomerRequest(
            request_id="grpcio-create-1",
            customer=customers_pb2.Customer(
                kind=customers_pb2.CUSTOMER_KIND_ORGANISATION, name="شركة النخيل للتجارة")),
            metadata=key, timeout=30)
        fetched = customers.GetCustomer(customers_pb2.GetCustomerRequest(id=created.id),
                                        metadata=key, timeout=30)
        expect(fetched.name == "شركة النخيل للتجارة" and fetched.id == created.id,
               "unary CreateCustomer/GetCustomer round-trips an Arabic name")

        # Client streaming: import three rows.
        def rows():
            for number in range(1, 4):
                yield customers_pb2.ImportRow(
                    row_number=number, external_id=f"legacy-{number}",
                    customer=customers_pb2.Customer(
                        kind=customers_pb2.CUSTOMER_KIND_INDIVIDUAL, name=f"عميل {number}"))
        summary = customers.ImportCustomers(rows(), metadata=key, timeout=60)
        expect(summary.received == 3 and summary.created == 3 and not summary.errors,
               "client streaming ImportCustomers: 3 received, 3 created")

        # Server streaming: the general ledger of an account with two postings.
        ledger = ledger_grpc.LedgerStub(channel)
        ledger.SetBaseCurrency(ledger_pb2.SetBaseCurrencyRequest(currency_code="SAR"),
                               metadata=key, timeout=30)
        day = date_pb2.Date(year=2026, month=5, day=10)
        for index in range(2):
            ledger.PostEntry(ledger_pb2.PostEntryRequest(
                request_id=f"grpcio-entry-{index}", date=day, memo="نقد",
                lines=[ledger_pb2.EntryLine(account_code="1100", debit=money_pb2.Money(
                           currency_code="SAR", units_minor=250)),
                       ledger_pb2.EntryLine(account_code="3100", credit=money_pb2.Money(
                           currency_code="SAR", units_minor=250))]),
                metadata=key, timeout=30)
        pages = list(ledger.GeneralLedger(ledger_pb2.GeneralLedgerRequest(
            account_code="1100", **{"from": date_pb2.Date(year=2026, month=5, day=1)},
            to=date_pb2.Date(year=2026, month=5, day=31)), metadata=key, timeout=30))
        lines = [line for page in pages for line in page.lines]
        expect(len(pages) >= 1 and [line.balance_minor for line in lines] == [250, 500],
               "server streaming GeneralLedger: two lines, running balance 250 then 500")

        # Error statuses with their messages.
        try:
            customers.GetCustomer(customers_pb2.GetCustomerRequest(id="C-999999"),
                                  metadata=key, timeout=30)
            raise AssertionError("GetCustomer of an unknown id succeeded")
        except grpc.RpcError as error:
            expect(error.code() == grpc.StatusCode.NOT_FOUND and error.details()
                   and "127.0.0.1" not in error.details(),
                   f"an unknown customer is NOT_FOUND: {error.details()!r}")
        try:
            customers.GetCustomer(customers_pb2.GetCustomerRequest(id=created.id), timeout=30)
            raise AssertionError("a call without an API key succeeded")
        except grpc.RpcError as error:
            expect(error.code() == grpc.StatusCode.UNAUTHENTICATED
                   and "x-erp-api-key" in error.details(),
                   f"no API key is UNAUTHENTICATED naming the header: {error.details()!r}")

        # Reflection: every forwarded service and the gateway's own are listed, and a listed
        # service's file can be fetched and declares it.
        reflection = reflection_grpc.ServerReflectionStub(channel)
        answers = list(reflection.ServerReflectionInfo(iter([
            reflection_pb2.ServerReflectionRequest(list_services=""),
            reflection_pb2.ServerReflectionRequest(
                file_containing_symbol="erp.finance.v1.Ledger"),
        ]), timeout=30))
        listed = {service.name for service in answers[0].list_services_response.service}
        expected = set(args.services.split(","))
        expect(expected <= listed, f"reflection lists all {len(expected)} expected services")
        files = [descriptor_pb2.FileDescriptorProto.FromString(raw)
                 for raw in answers[1].file_descriptor_response.file_descriptor_proto]
        names = {f.name for f in files}
        expect(bool(files) and files[0].name == "erp/finance/v1/ledger.proto"
               and any(service.name == "Ledger" for service in files[0].service)
               and {"erp/common/v1/date.proto", "erp/common/v1/money.proto"} <= names,
               "reflection hands out erp/finance/v1/ledger.proto with its imports")

        # Health: Check overall and per service, an unknown name, then Watch through a drain.
        health = health_grpc.HealthStub(channel)
        serving = health_pb2.HealthCheckResponse.SERVING
        expect(health.Check(health_pb2.HealthCheckRequest(service=""), timeout=10).status
               == serving, "health Check \"\" is SERVING")
        expect(health.Check(health_pb2.HealthCheckRequest(
            service="erp.customers.v1.Customers"), timeout=10).status == serving,
            "health Check erp.customers.v1.Customers is SERVING")
        try:
            health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=10)
            raise AssertionError("health Check of an unknown service succeeded")
        except grpc.RpcError as error:
            expect(error.code() == grpc.StatusCode.NOT_FOUND, "health Check unknown: NOT_FOUND")
        watch = health.Watch(health_pb2.HealthCheckRequest(service=""), timeout=120)
        statuses = []
        try:
            for answer in watch:
                statuses.append(answer.status)
                if answer.status == serving and len(statuses) == 1:
                    print("WATCHING", flush=True)
                if answer.status == health_pb2.HealthCheckResponse.NOT_SERVING:
                    break
        except grpc.RpcError as error:
            raise AssertionError(f"the Watch failed before NOT_SERVING: {error.code()}")
        expect(statuses == [serving, health_pb2.HealthCheckResponse.NOT_SERVING],
               "health Watch: SERVING, then NOT_SERVING once the gateway drains")
        print("DRAINED", flush=True)


main()
