"""Validation rules and the domain objects: every rule accepts what it should, rejects the
rest with a message naming the field and the rule, and never echoes the rejected value."""

from __future__ import annotations

import re
import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from armstui import model
from armstui.credentials import StsSession, VaultKey
from armstui.model import Account, Credentials, InvalidInput
from armstui.secrets import redaction

FEW = settings(max_examples=150, deadline=None)

UID_RULE = "uid: must be 16 digits"
ALIAS_RULE = "alias: must be 1-32 of a-z, 0-9, '-', '_', starting with a letter"
USER_RULE = "user name: must be 1-64 of letters, digits, '.', '_', '-'"
ROLE_RULE = "role name: must be 1-64 of letters, digits, '-'"
SESSION_RULE = "session name: must be 2-64 of letters, digits, '.', '@', '-', '_'"
KEY_ID_RULE = "access key ID: must be 'LTAI' followed by 12-28 letters or digits"
ARN_RULE = "role ARN: must be acs:ram::<16-digit account ID>:role/<role name>"
REGION_RULE = "region: must be a region ID such as cn-hangzhou or ap-southeast-1"
CLUSTER_RULE = "cluster ID: must be 'c' followed by 16-40 of a-z, 0-9"
INSTANCE_RULE = "instance ID: must be 'i-' followed by 8-32 of a-z, 0-9"
SECRET_RULE = "secret: must be 1-128 printable characters without spaces"

# Written out by hand: per validator, the start of its refusal, then (value, how the refusal
# describes the value after "got"), or (value, None) where it is accepted.
HAND_WRITTEN = {
    model.validate_uid: (
        UID_RULE,
        [
            ("1234567890123456", None),
            ("", "nothing"),
            ("123", "3 characters"),
            ("12345678901234567", "17 characters"),
            ("123456789012345a", "16 characters, a lower-case letter at position 16"),
            # full-width digits are digits to str.isdigit(), not to the rule
            ("１２３４５６７８９０１２３４５６", "16 characters, a digit at position 1"),
        ],
    ),
    model.validate_alias: (
        ALIAS_RULE,
        [
            ("prod-a", None),
            ("a" * 32, None),
            ("x_1", None),
            ("", "nothing"),
            ("1abc", "4 characters"),
            ("a" * 33, "33 characters"),
            ("Prod", "4 characters, an upper-case letter at position 1"),
            ("a b", "3 characters, a space at position 2"),
        ],
    ),
    model.validate_user_name: (
        USER_RULE,
        [
            ("arms-reporter.v2_x", None),
            ("x" * 64, None),
            ("", "nothing"),
            ("x" * 65, "65 characters"),
            ("a/b", "3 characters, '/' at position 2"),
        ],
    ),
    model.validate_role_name: (
        ROLE_RULE,
        [
            ("arms-admin", None),
            ("", "nothing"),
            ("a_b", "3 characters, '_' at position 2"),
            ("a.b", "3 characters, '.' at position 2"),
            ("x" * 65, "65 characters"),
        ],
    ),
    model.validate_session_name: (
        SESSION_RULE,
        [
            ("ab", None),
            ("me@example.com", None),
            ("a", "1 character"),
            ("x" * 65, "65 characters"),
            ("ab!", "3 characters, '!' at position 3"),
        ],
    ),
    model.validate_access_key_id: (
        KEY_ID_RULE,
        [
            ("LTAIabcdefghijkl", None),  # 12 after LTAI
            ("LTAI" + "a1" * 14, None),  # 28 after LTAI
            ("STS.NUe3YxDkfuFy6ZCrpb3Zn", None),
            ("", "nothing"),
            ("LTAI123", "7 characters"),
            ("AKIA12345678901234", "18 characters"),
            ("LTAI" + "a" * 29, "33 characters"),
            ("LTAIabcdefghijkl!", "17 characters, '!' at position 17"),
        ],
    ),
    model.validate_role_arn: (
        ARN_RULE,
        [
            ("acs:ram::1234567890123456:role/arms-admin", None),
            ("", "nothing"),
            ("acs:ram::123:role/x", "19 characters"),
            ("acs:ram::1234567890123456:role/", "31 characters"),
            ("acs:ram::1234567890123456:user/x", "32 characters"),
        ],
    ),
    model.validate_region: (
        REGION_RULE,
        [
            ("cn-hangzhou", None),
            ("", "nothing"),
            ("hangzhou", "8 characters"),
            ("cn_hangzhou", "11 characters, '_' at position 3"),
        ],
    ),
    model.validate_cluster_id: (
        CLUSTER_RULE,
        [
            ("c" + "0123456789abcdef", None),
            ("", "nothing"),
            ("c 1", "3 characters, a space at position 2"),
        ],
    ),
    model.validate_instance_id: (
        INSTANCE_RULE,
        [
            ("i-bp1a2b3c4d", None),
            ("i-", "2 characters"),
            ("i-!!", "4 characters, '!' at position 3"),
        ],
    ),
    model.validate_access_key_secret: (
        SECRET_RULE,
        [
            ("S3cret-Value-xyz", None),
            ("", "nothing"),
            ("x" * 129, "129 characters"),
            ("tab\there", "8 characters, a whitespace character at position 4"),
        ],
    ),
}
# (validator, value, the whole message or None), with an id naming the field.
EXAMPLES = [
    pytest.param(
        validate,
        value,
        None if got is None else f"{rule} (got {got})",
        id=f"{rule.split(':')[0]}-{value[:20]!r}",
    )
    for validate, (rule, cases) in HAND_WRITTEN.items()
    for value, got in cases
]


@pytest.mark.parametrize(("validate", "value", "message"), EXAMPLES)
def test_each_rule_on_examples_written_out_by_hand(
    validate, value: str, message: str | None
) -> None:
    if message is None:
        assert validate(value) == value
        return
    with pytest.raises(InvalidInput) as info:
        validate(value)
    assert str(info.value) == message


# Text mostly from the characters the rules care about, so both outcomes are common.
near = st.text(alphabet=st.sampled_from("aZ09-_.@:/ LTAISacsrmole\u00e9"), max_size=70)


@pytest.mark.parametrize(
    "validate", [pytest.param(v, id=rule.split(":")[0]) for v, (rule, _) in HAND_WRITTEN.items()]
)
@FEW
@given(value=near)
def test_a_refusal_never_shows_the_value(validate, value: str) -> None:
    try:
        assert validate(value) == value
    except InvalidInput as exc:
        message = str(exc)
        # the value itself is never shown, only described: its length and a character class
        assert re.search(
            r": must .+ \(got (nothing|\d+ characters?(, (an? [a-z -]+|'.') at position \d+)?)\)$",
            message,
        ), message


@FEW
@given(st.from_regex(r"[0-9]{16}", fullmatch=True))
def test_sixteen_digits_is_a_uid(uid: str) -> None:
    assert model.validate_uid(uid) == uid


@FEW
@given(st.from_regex(r"[0-9]{2,15}|[0-9]{17,20}", fullmatch=True))
def test_other_lengths_are_not(uid: str) -> None:
    with pytest.raises(
        InvalidInput, match=rf"^uid: must be 16 digits \(got {len(uid)} characters\)$"
    ):
        model.validate_uid(uid)


@FEW
@given(st.from_regex(r"LTAI[A-Za-z0-9]{12,28}", fullmatch=True))
def test_access_key_ids_like_the_real_and_the_sandbox_ones(key_id: str) -> None:
    assert model.validate_access_key_id(key_id) == key_id


def test_the_sandbox_issues_valid_access_key_ids() -> None:
    from armstui.sandbox import iam

    assert model.validate_access_key_id(iam.new_access_key_id())


@pytest.mark.parametrize("region", sorted(model.KNOWN_REGIONS))
def test_known_regions_are_accepted(region: str) -> None:
    assert model.validate_region(region) == region


@pytest.mark.parametrize("region", ["cn-newcity", "ap-southeast-9", "xx-yy-zz-12"])
def test_region_shaped_names_are_accepted(region: str) -> None:
    assert model.validate_region(region) == region


@pytest.mark.parametrize(
    "region",
    ["", "cn", "CN-hangzhou", "cn_hangzhou", "cn-hangzhou-", "1-east", "cn--x", "cn-hangzhou-1-2"],
)
def test_malformed_regions_are_refused(region: str) -> None:
    with pytest.raises(InvalidInput, match=r"^region: must be a region ID such as cn-hangzhou"):
        model.validate_region(region)


def test_the_message_describes_the_first_bad_character() -> None:
    with pytest.raises(InvalidInput) as info:
        model.validate_alias("prod A")
    assert str(info.value) == (
        "alias: must be 1-32 of a-z, 0-9, '-', '_', starting with a letter "
        "(got 6 characters, a space at position 5)"
    )
    assert (info.value.field, info.value.got) == ("alias", "6 characters, a space at position 5")


def test_a_secret_pasted_into_the_wrong_field_is_not_echoed() -> None:
    secret = "Ab3" + secrets.token_hex(14)  # shaped like an AccessKey secret
    for validate in (
        model.validate_uid,
        model.validate_access_key_id,
        model.validate_alias,
        model.validate_region,
        model.validate_role_arn,
    ):
        with pytest.raises(InvalidInput) as info:
            validate(secret)
        assert secret not in str(info.value)
        assert secret[:6] not in str(info.value)


def test_a_custom_field_name_is_used() -> None:
    with pytest.raises(InvalidInput, match=r"^--role-name: must be 1-64 of letters, digits, '-'"):
        model.validate_role_name("arms_admin", field="--role-name")


def test_role_arn_uid() -> None:
    assert model.role_arn_uid("acs:ram::1234567890123456:role/arms-admin") == "1234567890123456"


def test_account_is_validated_on_creation() -> None:
    account = Account("prod-a", "1234567890123456", credential=VaultKey("LTAI1234567890abcd"))
    assert account.region == "cn-hangzhou" and account.production is False
    with pytest.raises(InvalidInput, match="^uid: "):
        Account("prod-a", "12345")
    with pytest.raises(InvalidInput, match="^alias: "):
        Account("Prod", "1234567890123456")
    with pytest.raises(InvalidInput, match="^region: "):
        Account("prod", "1234567890123456", region="hangzhou")


def test_credentials_never_show_their_secrets() -> None:
    secret, token = secrets.token_urlsafe(22), "CAIS" + secrets.token_urlsafe(60)
    creds = Credentials("LTAI1234567890abcdef", secret, token)
    session = StsSession(creds, role_arn="acs:ram::1234567890123456:role/arms-admin")
    for text in (
        repr(creds),
        str(creds),
        f"{creds}",
        repr([creds]),
        repr(session),
        repr(Account("sts", "1234567890123456", credential=session)),
    ):
        assert secret not in text and token not in text
        assert "LTAI…cdef" in text
    assert creds.access_key_secret == secret  # still usable by the cloud layer
    # and the redactor learnt both on creation
    assert redaction.redact(f"x {secret} y {token}") == "x **** y ****"


def test_the_account_modules_import_no_ui_and_no_sdk() -> None:
    """Layering, transitively: and the first screen does not pay for SDK imports."""
    import subprocess
    import sys

    code = (
        "import sys, armstui.model, armstui.credentials, armstui.profiles, armstui.vault, armstui.secrets.file_vault\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'Tea', 'darabonba')"
        " or m.startswith('alibabacloud_'))\n"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
