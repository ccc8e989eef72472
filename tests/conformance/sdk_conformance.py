#!/usr/bin/env python3
"""Drive an `ecsreset sim` simulator with the official Huawei Cloud Python SDK.

If the SDK's own signer, paging, models and error handling all work against the simulator,
the simulator is faithful where the app depends on it. Run against a running simulator:

    ECSRESET_SIM_URL=http://127.0.0.1:8800 ECSRESET_SIM_AK=... ECSRESET_SIM_SK=... \
    ECSRESET_SIM_PROJECT_ID=... python3 tests/conformance/sdk_conformance.py

Inputs come from the environment only (a secret key never goes on a command line):
ECSRESET_SIM_URL, ECSRESET_SIM_AK, ECSRESET_SIM_SK, ECSRESET_SIM_PROJECT_ID (a project with
at least 9 servers, some reset-supported and ACTIVE, some not supported, and at least 3
bare-metal servers likewise, one of them Windows with a key pair), optional
ECSRESET_SIM_DOMAIN_ID (else the SDK discovers it through the simulator's IAM),
ECSRESET_SIM_PASSWORD (the password to reset to), ECSRESET_SIM_JOB_TIMEOUT (seconds, 30),
ECSRESET_SIM_CSMS_SECRET and ECSRESET_SIM_CSMS_VALUE (a CSMS secret ecsreset stored, and the
value its newest version must hold; the CSMS check is skipped without them).
Prints one line per check and finally `N passed, M failed`; exits 1 on any failure.
"""

import base64
import os
import sys
import time
import traceback

from huaweicloudsdkbms.v1 import (
    BmsClient,
    DeleteWindowsBareMetalServerPasswordRequest,
    ListBareMetalServersRequest,
    ResetPassword,
    ResetPasswordBody,
    ResetPwdOneClickRequest,
    ShowResetPwdRequest,
    ShowWindowsBaremetalServerPwdRequest,
)
from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkcore.http.http_config import HttpConfig
from huaweicloudsdkcsms.v1 import (
    CreateSecretRequest,
    CreateSecretRequestBody,
    CreateSecretVersionRequest,
    CreateSecretVersionRequestBody,
    CsmsClient,
    ListSecretVersionsRequest,
    ShowSecretVersionRequest,
)
from huaweicloudsdkecs.v2 import (
    BatchRebootServersRequest,
    BatchRebootServersRequestBody,
    BatchRebootSeversOption,
    DeleteServerPasswordRequest,
    EcsClient,
    ListServersDetailsRequest,
    ResetServerPasswordOption,
    ResetServerPasswordRequest,
    ResetServerPasswordRequestBody,
    ServerId,
    ShowJobRequest,
    ShowResetPasswordFlagRequest,
    ShowServerPasswordRequest,
)
from huaweicloudsdkiam.v3 import (
    AgencyAuth,
    AgencyAuthIdentity,
    CreateTemporaryAccessKeyByAgencyRequest,
    CreateTemporaryAccessKeyByAgencyRequestBody,
    IamClient,
    IdentityAssumerole,
    KeystoneListAuthProjectsRequest,
    KeystoneListProjectsRequest,
)

URL = os.environ["ECSRESET_SIM_URL"]
AK = os.environ["ECSRESET_SIM_AK"]
SK = os.environ["ECSRESET_SIM_SK"]
PROJECT = os.environ["ECSRESET_SIM_PROJECT_ID"]
DOMAIN = os.environ.get("ECSRESET_SIM_DOMAIN_ID") or None
PASSWORD = os.environ.get("ECSRESET_SIM_PASSWORD", "Qx7-Lm2.Rt9@vb")
CSMS_SECRET = os.environ.get("ECSRESET_SIM_CSMS_SECRET")
CSMS_VALUE = os.environ.get("ECSRESET_SIM_CSMS_VALUE")
AGENCY = os.environ.get("ECSRESET_SIM_AGENCY", "sdk-agency:sdk-account")
JOB_TIMEOUT = float(os.environ.get("ECSRESET_SIM_JOB_TIMEOUT", "30"))
PAGE = 4

# Any SDK lookup that is not pointed at an explicit endpoint goes to the simulator too.
os.environ.setdefault("HUAWEICLOUD_SDK_IAM_ENDPOINT", URL)


def http_config():
    cfg = HttpConfig.get_default_config()
    cfg.timeout = (5, 20)
    return cfg


def ecs(sk=SK):
    creds = BasicCredentials(AK, sk, PROJECT)
    return (
        EcsClient.new_builder()
        .with_http_config(http_config())
        .with_credentials(creds)
        .with_endpoints([URL])
        .build()
    )


def csms():
    creds = BasicCredentials(AK, SK, PROJECT)
    return (
        CsmsClient.new_builder()
        .with_http_config(http_config())
        .with_credentials(creds)
        .with_endpoints([URL])
        .build()
    )


def bms(sk=SK):
    creds = BasicCredentials(AK, sk, PROJECT)
    return (
        BmsClient.new_builder()
        .with_http_config(http_config())
        .with_credentials(creds)
        .with_endpoints([URL])
        .build()
    )


def iam():
    creds = GlobalCredentials(AK, SK, DOMAIN)
    return (
        IamClient.new_builder()
        .with_http_config(http_config())
        .with_credentials(creds)
        .with_endpoints([URL])
        .build()
    )


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def expect_error(call, status, code):
    try:
        call()
    except ClientRequestException as e:
        expect(e.status_code == status, f"status {e.status_code}, want {status} ({e.error_msg})")
        expect(e.error_code == code, f"error_code {e.error_code}, want {code}")
        expect(len(e.request_id or "") == 32, f"request id {e.request_id!r} from X-Request-Id")
        return e
    raise AssertionError(f"no exception, want {status} {code}")


STATE = {}


def check_list_pages():
    client = ecs()
    ids, page, count = [], 1, None
    while True:
        resp = client.list_servers_details(ListServersDetailsRequest(offset=page, limit=PAGE))
        expect(resp.status_code == 200, f"status {resp.status_code}")
        count = resp.count if count is None else count
        expect(resp.count == count, "count is the same on every page")
        ids += [s.id for s in resp.servers]
        if len(resp.servers) < PAGE:
            break
        page += 1
    expect(page >= 3, f"only {page} pages; the project needs at least 9 servers")
    expect(len(ids) == count == len(set(ids)), f"{len(ids)} ids over {page} pages, count {count}")
    servers = client.list_servers_details(ListServersDetailsRequest(limit=1000)).servers
    expect([s.id for s in servers] == ids, "pages concatenate to the full list")
    for s in servers:
        expect(s.metadata.get("os_type") in ("Linux", "Windows"), f"os_type of {s.id}")
        expect(any(a.addr for nets in s.addresses.values() for a in nets), f"addresses of {s.id}")
    STATE["servers"] = servers
    return f"{len(ids)} servers in {page} pages of {PAGE}"


def check_reset_flags():
    client = ecs()
    flags = {}
    for s in STATE["servers"]:
        resp = client.show_reset_password_flag(ShowResetPasswordFlagRequest(server_id=s.id))
        expect(resp.resetpwd_flag in ("True", "False"), f"flag {resp.resetpwd_flag!r}")
        flags[s.id] = resp.resetpwd_flag == "True"
    expect(any(flags.values()) and not all(flags.values()), "both flag values occur")
    STATE["flags"] = flags
    return f"{sum(flags.values())} of {len(flags)} support one-click reset"


def check_unknown_server():
    ghost = "9e8d7c6b-5a4f-4e3d-2c1b-0a9f8e7d6c5b"
    e = expect_error(
        lambda: ecs().show_reset_password_flag(ShowResetPasswordFlagRequest(server_id=ghost)),
        404,
        "Ecs.0114",
    )
    expect(e.error_msg == f"Instance[{ghost}] could not be found.", e.error_msg)


def reset_request(server_id, password, check):
    option = ResetServerPasswordOption(new_password=password, is_check_password=check)
    body = ResetServerPasswordRequestBody(reset_password=option)
    return ResetServerPasswordRequest(server_id=server_id, body=body)


def check_reset_password():
    target = next(
        s for s in STATE["servers"] if STATE["flags"][s.id] and s.status == "ACTIVE"
    )
    resp = ecs().reset_server_password(reset_request(target.id, PASSWORD, True))
    expect(resp.status_code == 204, f"status {resp.status_code}, want 204")
    STATE["target"] = target.id
    print(f"RESET_SERVER={target.id}")
    return f"204 for {target.name}"


def check_reset_refusals():
    target = STATE["target"]
    e = expect_error(
        lambda: ecs().reset_server_password(reset_request(target, "rootroot-1A", True)),
        400,
        "Ecs.0005",
    )
    expect("rootroot" not in e.error_msg, "the password is not echoed")
    unsupported = next(s.id for s in STATE["servers"] if not STATE["flags"][s.id])
    expect_error(
        lambda: ecs().reset_server_password(reset_request(unsupported, PASSWORD, False)),
        400,
        "Ecs.0025",
    )


def check_reboot_job():
    client = ecs()
    option = BatchRebootSeversOption(type="SOFT", servers=[ServerId(id=STATE["target"])])
    created = client.batch_reboot_servers(
        BatchRebootServersRequest(body=BatchRebootServersRequestBody(reboot=option))
    )
    expect(len(created.job_id or "") == 32, f"job id {created.job_id!r}")
    seen, deadline = [], time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        job = client.show_job(ShowJobRequest(job_id=created.job_id))
        if not seen or seen[-1] != job.status:
            seen.append(job.status)
        if job.status in ("SUCCESS", "FAIL"):
            break
        time.sleep(0.2)
    expect(seen[-1] == "SUCCESS", f"job states {seen}")
    subs = job.entities.sub_jobs
    expect([s.entities.server_id for s in subs] == [STATE["target"]], "one sub-job per server")
    expect(all(s.status == "SUCCESS" for s in subs), "sub-jobs succeeded")
    after = client.list_servers_details(ListServersDetailsRequest(server_id=STATE["target"]))
    expect(after.servers[0].status == "ACTIVE", f"status after reboot {after.servers[0].status}")
    return " -> ".join(seen)


def check_server_password():
    client = ecs()
    target = next(
        s for s in STATE["servers"] if s.metadata.get("os_type") == "Windows" and s.key_name
    )
    stored = client.show_server_password(ShowServerPasswordRequest(server_id=target.id))
    expect(stored.status_code == 200, f"status {stored.status_code}")
    cipher = base64.b64decode(stored.password, validate=True)
    expect(len(cipher) in (128, 256, 384, 512), f"{len(cipher)} bytes is no RSA block")
    print(f"WINPW_SERVER={target.id}")
    print(f"WINPW_STORED={stored.password}")
    cleared = client.delete_server_password(DeleteServerPasswordRequest(server_id=target.id))
    expect(cleared.status_code == 204, f"status {cleared.status_code}, want 204")
    again = client.show_server_password(ShowServerPasswordRequest(server_id=target.id))
    expect(again.password == "", f"after DELETE: {again.password!r}")
    ghost = "9e8d7c6b-5a4f-4e3d-2c1b-0a9f8e7d6c5b"
    expect_error(
        lambda: client.delete_server_password(DeleteServerPasswordRequest(server_id=ghost)),
        404,
        "Ecs.0114",
    )
    return f"{len(cipher) * 8}-bit ciphertext for {target.name}, then cleared"


def check_csms_secrets():
    if not (CSMS_SECRET and CSMS_VALUE):
        return "skipped: no ECSRESET_SIM_CSMS_SECRET / ECSRESET_SIM_CSMS_VALUE"
    client = csms()
    # What ecsreset stored reads back through the SDK, without the value being printed.
    shown = client.show_secret_version(
        ShowSecretVersionRequest(secret_name=CSMS_SECRET, version_id="latest")
    )
    expect(shown.version.secret_string == CSMS_VALUE, "latest holds what ecsreset stored")
    meta = shown.version.version_metadata
    expect(meta.secret_name == CSMS_SECRET and "SYSCURRENT" in meta.version_stages, f"{meta}")
    # The SDK's own create and new version are accepted, and stages move as documented.
    name = "sdk-conformance"
    created = client.create_secret(
        CreateSecretRequest(
            body=CreateSecretRequestBody(name=name, secret_string="first-" + PASSWORD)
        )
    )
    expect(created.secret.name == name and created.secret.state == "ENABLED", f"{created.secret}")
    second = client.create_secret_version(
        CreateSecretVersionRequest(
            secret_name=name,
            body=CreateSecretVersionRequestBody(secret_string="second-" + PASSWORD),
        )
    )
    expect(second.version_metadata.id == "v2", f"{second.version_metadata}")
    expect(second.version_metadata.version_stages == ["SYSCURRENT"], "the new one is current")
    listed = client.list_secret_versions(ListSecretVersionsRequest(secret_name=name))
    stages = {v.id: v.version_stages for v in listed.version_metadatas}
    expect(stages == {"v1": ["SYSPREVIOUS"], "v2": ["SYSCURRENT"]}, f"{stages}")
    first = client.show_secret_version(ShowSecretVersionRequest(secret_name=name, version_id="v1"))
    expect(first.version.secret_string == "first-" + PASSWORD, "v1 keeps its value")
    expect_error(
        lambda: client.create_secret_version(
            CreateSecretVersionRequest(
                secret_name="no-such-secret",
                body=CreateSecretVersionRequestBody(secret_string="x"),
            )
        ),
        400,
        "CSMS.0106",
    )
    return f"read {CSMS_SECRET}; created {name} v1, v2"
BMS_PAGE = 2


def check_bms_list_pages():
    client = bms()
    ids, page, count = [], 1, None
    while True:
        resp = client.list_bare_metal_servers(
            ListBareMetalServersRequest(offset=page, limit=BMS_PAGE)
        )
        expect(resp.status_code == 200, f"status {resp.status_code}")
        count = resp.count if count is None else count
        expect(resp.count == count, "count is the same on every page")
        ids += [s.id for s in resp.servers]
        if len(resp.servers) < BMS_PAGE:
            break
        page += 1
    expect(page >= 2, f"only {page} page(s); the project needs at least 3 bare-metal servers")
    expect(len(ids) == count == len(set(ids)), f"{len(ids)} ids over {page} pages, count {count}")
    servers = client.list_bare_metal_servers(ListBareMetalServersRequest(limit=1000)).servers
    expect([s.id for s in servers] == ids, "pages concatenate to the full list")
    ecs_ids = {s.id for s in STATE["servers"]}
    expect(not ecs_ids & set(ids), "the ECS list holds no bare-metal server, nor the other way")
    for s in servers:
        expect(s.metadata.os_type in ("Linux", "Windows"), f"os_type of {s.id}")
        expect(s.flavor.id.startswith("physical."), f"flavor of {s.id}: {s.flavor.id}")
        expect(any(a.addr for nets in s.addresses.values() for a in nets), f"addresses of {s.id}")
    STATE["bms"] = servers
    return f"{len(ids)} bare-metal servers in {page} pages of {BMS_PAGE}"


def check_bms_reset_flags():
    client = bms()
    flags = {}
    for s in STATE["bms"]:
        resp = client.show_reset_pwd(ShowResetPwdRequest(server_id=s.id))
        expect(resp.resetpwd_flag in ("True", "False"), f"flag {resp.resetpwd_flag!r}")
        flags[s.id] = resp.resetpwd_flag == "True"
    expect(any(flags.values()) and not all(flags.values()), "both flag values occur")
    ecs_server = STATE["servers"][0].id
    expect_error(
        lambda: client.show_reset_pwd(ShowResetPwdRequest(server_id=ecs_server)),
        404,
        "Ecs.0114",
    )
    STATE["bms_flags"] = flags
    return f"{sum(flags.values())} of {len(flags)} support one-click reset"


def bms_reset_request(server_id, password):
    body = ResetPasswordBody(reset_password=ResetPassword(new_password=password))
    return ResetPwdOneClickRequest(server_id=server_id, body=body)


def check_bms_reset_password():
    client = bms()
    target = next(
        s for s in STATE["bms"] if STATE["bms_flags"][s.id] and s.status == "ACTIVE"
    )
    resp = client.reset_pwd_one_click(bms_reset_request(target.id, PASSWORD))
    expect(resp.status_code == 204, f"status {resp.status_code}, want 204")
    print(f"BMS_RESET_SERVER={target.id}")
    unsupported = next(s.id for s in STATE["bms"] if not STATE["bms_flags"][s.id])
    expect_error(
        lambda: client.reset_pwd_one_click(bms_reset_request(unsupported, PASSWORD)),
        400,
        "Ecs.0025",
    )
    return f"204 for {target.name}"


def check_bms_server_password():
    client = bms()
    target = next(
        s for s in STATE["bms"] if s.metadata.os_type == "Windows" and s.key_name
    )
    stored = client.show_windows_baremetal_server_pwd(
        ShowWindowsBaremetalServerPwdRequest(server_id=target.id)
    )
    expect(stored.status_code == 200, f"status {stored.status_code}")
    cipher = base64.b64decode(stored.password, validate=True)
    expect(len(cipher) in (128, 256, 384, 512), f"{len(cipher)} bytes is no RSA block")
    print(f"BMS_WINPW_SERVER={target.id}")
    print(f"BMS_WINPW_STORED={stored.password}")
    cleared = client.delete_windows_bare_metal_server_password(
        DeleteWindowsBareMetalServerPasswordRequest(server_id=target.id)
    )
    expect(cleared.status_code == 204, f"status {cleared.status_code}, want 204")
    again = client.show_windows_baremetal_server_pwd(
        ShowWindowsBaremetalServerPwdRequest(server_id=target.id)
    )
    expect(again.password == "", f"after DELETE: {again.password!r}")
    return f"{len(cipher) * 8}-bit ciphertext for {target.name}, then cleared"


def check_iam_projects():
    client = iam()
    projects = client.keystone_list_auth_projects(KeystoneListAuthProjectsRequest()).projects
    mine = [p for p in projects if p.id == PROJECT]
    expect(len(mine) == 1, "the ECS project is listed")
    expect(any(p.name == "MOS" for p in projects), "non-regional MOS is listed too")
    by_name = client.keystone_list_projects(KeystoneListProjectsRequest(name=mine[0].name))
    expect([p.id for p in by_name.projects] == [PROJECT], "name filter finds exactly it")
    return f"{len(projects)} projects"


def assume_request(agency, domain):
    role = IdentityAssumerole(agency_name=agency, domain_name=domain, duration_seconds=900)
    identity = AgencyAuthIdentity(methods=["assume_role"], assume_role=role)
    body = CreateTemporaryAccessKeyByAgencyRequestBody(auth=AgencyAuth(identity=identity))
    return CreateTemporaryAccessKeyByAgencyRequest(body=body)


def check_agency_tokens():
    agency, domain = AGENCY.split(":", 1)
    cred = iam().create_temporary_access_key_by_agency(assume_request(agency, domain)).credential
    for field in ("access", "secret", "securitytoken", "expires_at"):
        expect(getattr(cred, field), f"credential.{field} is set")
    temp = BasicCredentials(cred.access, cred.secret, PROJECT).with_security_token(
        cred.securitytoken
    )
    client = (
        EcsClient.new_builder()
        .with_http_config(http_config())
        .with_credentials(temp)
        .with_endpoints([URL])
        .build()
    )
    listed = client.list_servers_details(ListServersDetailsRequest(limit=1))
    expect(listed.count >= 1, "the temporary keys list the project")
    try:
        iam().create_temporary_access_key_by_agency(assume_request("no-such-agency", domain))
    except ClientRequestException as e:
        expect(e.status_code == 403, f"status {e.status_code}, want 403 ({e.error_msg})")
        expect("no-such-agency" in e.error_msg, e.error_msg)
        return f"temporary keys until {cred.expires_at}; unknown agency refused 403"
    raise AssertionError("an unknown agency was granted")


def check_wrong_secret_key():
    e = expect_error(
        lambda: ecs(sk="not-" + SK).list_servers_details(ListServersDetailsRequest(limit=1)),
        401,
        "APIGW.0301",
    )
    expect("verify aksk signature fail" in e.error_msg, e.error_msg)


CHECKS = [
    check_list_pages,
    check_reset_flags,
    check_unknown_server,
    check_reset_password,
    check_reset_refusals,
    check_reboot_job,
    check_server_password,
    check_csms_secrets,
    check_bms_list_pages,
    check_bms_reset_flags,
    check_bms_reset_password,
    check_bms_server_password,
    check_iam_projects,
    check_agency_tokens,
    check_wrong_secret_key,
]


def main():
    passed = failed = 0
    for check in CHECKS:
        name = check.__name__[len("check_"):]
        try:
            note = check()
            passed += 1
            print(f"ok   {name}" + (f": {note}" if note else ""))
        except Exception as e:  # every failure is reported, then the next check runs
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
            traceback.print_exc(limit=3, file=sys.stdout)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
