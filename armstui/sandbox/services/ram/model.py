"""RAM's state and rules: users, AccessKeys, login profiles, custom policies, roles, and
policy attachments, each scoped to one account.

Record kinds and keys are the ones iam.py documents (``ram.user``, ``ram.accesskey``,
``ram.role``, ``ram.policy``, ``ram.attachment``) plus ``ram.login`` (``<uid>/<UserName>``).

Rules and codes, from the RAM API reference and its "Error messages" page:
- user names: 1-64 of ``[A-Za-z0-9._-]`` (``InvalidParameter.UserName.Length`` /
  ``.InvalidChars``); role names 1-64 of ``[A-Za-z0-9.-]``; policy names 1-128 of
  ``[A-Za-z0-9-]``;
- at most two AccessKeys per user (``LimitExceeded.User.AccessKey``, 409); the secret is
  returned only by CreateAccessKey;
- DeleteUser is refused while the user has keys, policies or a login profile
  (``DeleteConflict.User.*``, 409); DeleteRole while it has policies; DeletePolicy while
  it is attached;
- passwords: 8-32 characters; this sandbox's password policy (the real default is
  UNCONFIRMED) also wants an upper-case letter, a lower-case letter and a digit
  (``InvalidParameter.Password.TooWeak``); only a salted hash is kept;
- policy documents: ``Version`` "1" and a ``Statement`` list whose items have ``Effect``
  Allow|Deny, ``Action`` and ``Resource`` (``MalformedPolicyDocument``); up to 6144
  characters (the SDK's limit; the docs conflict);
- ``MaxSessionDuration`` of a role: 3600-43200 seconds, default 3600;
- DisplayName and Comments up to 128 characters, Description up to 1024
  (``InvalidParameter.<Field>.Length``);
- account limits (RAM "Limits" page): 1000 users (``LimitExceeded.User``), 1000 roles
  (``LimitExceeded.Role``), per user 20 system + 10 custom policies
  (``LimitExceeded.User.Policy``), per role 20 system + 5 custom policies (the code
  ``LimitExceeded.Role.Policy`` is UNCONFIRMED, by analogy);
- UpdateUser may rename a user: its keys, policies and login profile follow it (the
  UserId stays).
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from typing import Any

from armstui.sandbox import iam
from armstui.sandbox.errors import ApiError, invalid_parameter
from armstui.sandbox.store import Store

MAX_KEYS_PER_USER = 2
MAX_USERS = MAX_ROLES = 1000
MAX_ATTACHED = {
    ("User", "System"): 20,
    ("User", "Custom"): 10,
    ("Role", "System"): 20,
    ("Role", "Custom"): 5,
}
POLICY_TYPES = ("System", "Custom")
_TEXT_LIMITS = {"DisplayName": 128, "Comments": 128, "Description": 1024}
POLICY_DOCUMENT_MAX = 6144
_NAME_RULES = {
    "UserName": (64, r"[A-Za-z0-9._-]+"),
    "RoleName": (64, r"[A-Za-z0-9.-]+"),
    "PolicyName": (128, r"[A-Za-z0-9-]+"),
}


def check_name(kind: str, value: str) -> str:
    limit, pattern = _NAME_RULES[kind]
    if not 1 <= len(value) <= limit:
        raise ApiError(
            400,
            f"InvalidParameter.{kind}.Length",
            f"The parameter {kind} must be 1 to {limit} characters long.",
        )
    if not re.fullmatch(pattern, value):
        raise ApiError(
            400,
            f"InvalidParameter.{kind}.InvalidChars",
            f"The parameter {kind} contains invalid characters.",
        )
    return value


def check_text(field: str, value: str | None) -> str | None:
    """DisplayName, Comments, Description: length only (RAM API reference)."""
    limit = _TEXT_LIMITS[field]
    if value is not None and len(value) > limit:
        raise ApiError(
            400,
            f"InvalidParameter.{field}.Length",
            f"The parameter {field} must be at most {limit} characters long.",
        )
    return value


def check_policy_type(value: str) -> str:
    if value not in POLICY_TYPES:
        raise ApiError(
            400,
            "InvalidParameter.PolicyType",
            f"The parameter PolicyType must be System or Custom, not {value!r}.",
        )
    return value


def parse_policy_document(text: str, field: str = "PolicyDocument") -> dict[str, Any]:
    if len(text) > POLICY_DOCUMENT_MAX:
        raise ApiError(
            400,
            f"InvalidParameter.{field}.Length",
            f"The {field} exceeds {POLICY_DOCUMENT_MAX} characters.",
        )
    try:
        doc = json.loads(text)
    except json.JSONDecodeError:
        raise ApiError(400, "MalformedPolicyDocument", f"The {field} is not valid JSON.") from None
    statements = doc.get("Statement") if isinstance(doc, dict) else None
    if (
        not isinstance(doc, dict)
        or doc.get("Version") != "1"
        or not isinstance(statements, list)
        or not statements
    ):
        raise ApiError(
            400,
            "MalformedPolicyDocument",
            f'The {field} needs Version "1" and a non-empty Statement list.',
        )
    for statement in statements:
        if (
            not isinstance(statement, dict)
            or statement.get("Effect") not in ("Allow", "Deny")
            or "Action" not in statement
        ):
            raise ApiError(
                400,
                "MalformedPolicyDocument",
                f"Every Statement of the {field} needs Effect Allow|Deny and Action.",
            )
        if field != "AssumeRolePolicyDocument" and "Resource" not in statement:
            raise ApiError(400, "MalformedPolicyDocument", "Every Statement needs a Resource.")
        if field == "AssumeRolePolicyDocument" and not isinstance(statement.get("Principal"), dict):
            raise ApiError(
                400,
                "MalformedPolicyDocument",
                "Every Statement of a trust policy needs a Principal.",
            )
    iam.check_policy_conditions(doc, field)
    return doc


def check_password(password: str) -> None:
    if not 8 <= len(password) <= 32:
        raise ApiError(
            400, "InvalidParameter.Password.Length", "The password must be 8 to 32 characters long."
        )
    if not (
        re.search(r"[A-Z]", password)
        and re.search(r"[a-z]", password)
        and re.search(r"[0-9]", password)
    ):
        raise ApiError(
            400,
            "InvalidParameter.Password.TooWeak",
            "The password does not meet the password policy: it needs an upper-case letter, a lower-case letter and a digit.",
        )


def hash_password(password: str, salt: str | None = None) -> dict[str, str]:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=2**12, r=8, p=1).hex()
    return {"Salt": salt, "Hash": digest}


def _refuse_another(kind: str, name: str, exists: bool, count: int, maximum: int) -> None:
    """A new user or role (``kind``) ``name`` is refused when one of that name ``exists`` or
    the account already has ``maximum``."""
    if exists:
        raise ApiError(
            409, f"EntityAlreadyExists.{kind}", f"The {kind.lower()} already exists: {name}."
        )
    if count >= maximum:
        raise ApiError(
            409,
            f"LimitExceeded.{kind}",
            f"The account already has {maximum} {kind.lower()}s, the maximum.",
        )


class Ram:
    """One account's RAM, over the shared store."""

    def __init__(self, store: Store, account_id: str, now: str) -> None:
        self.store, self.uid, self.now = store, account_id, now

    # --- users ---------------------------------------------------------------------------

    def _user_key(self, name: str) -> str:
        return f"{self.uid}/{name}"

    def user(self, name: str) -> dict[str, Any]:
        user = self.store.get("ram.user", self._user_key(check_name("UserName", name)))
        if user is None:
            raise ApiError(404, "EntityNotExist.User", f"The user does not exist: {name}.")
        return user

    def create_user(
        self,
        name: str,
        display_name: str | None,
        comments: str | None,
        email: str | None = None,
        mobile_phone: str | None = None,
    ) -> dict[str, Any]:
        check_name("UserName", name)
        check_text("DisplayName", display_name)
        check_text("Comments", comments)
        exists = self.store.get("ram.user", self._user_key(name)) is not None
        _refuse_another("User", name, exists, len(self.users()), MAX_USERS)
        user = {
            "UserName": name,
            "UserId": iam.new_numeric_id(16),
            "DisplayName": display_name or name,
            "Comments": comments or "",
            "CreateDate": self.now,
            "UpdateDate": self.now,
        }
        user.update({k: v for k, v in (("Email", email), ("MobilePhone", mobile_phone)) if v})
        self.store.put("ram.user", self._user_key(name), user)
        return user

    def update_user(
        self,
        name: str,
        new_name: str | None,
        new_display: str | None,
        new_comments: str | None,
        new_email: str | None = None,
        new_mobile_phone: str | None = None,
    ) -> dict[str, Any]:
        user = self.user(name)
        check_text("DisplayName", new_display)
        check_text("Comments", new_comments)
        if new_name and new_name != name:
            check_name("UserName", new_name)
            if self.store.get("ram.user", self._user_key(new_name)) is not None:
                raise ApiError(
                    409, "EntityAlreadyExists.User", f"The user already exists: {new_name}."
                )
            self._rename_user(name, new_name)
            user["UserName"] = new_name
        for field, value in (
            ("DisplayName", new_display),
            ("Comments", new_comments),
            ("Email", new_email),
            ("MobilePhone", new_mobile_phone),
        ):
            if value is not None:
                user[field] = value
        user["UpdateDate"] = self.now
        self.store.put("ram.user", self._user_key(user["UserName"]), user)
        return user

    def _rename_user(self, old: str, new: str) -> None:
        """Move what hangs off a user to its new name (keys, attachments, login profile)."""
        self.store.delete("ram.user", self._user_key(old))
        for key in self.keys(old):
            key["UserName"] = new
            self.store.put("ram.accesskey", key["AccessKeyId"], key)
        for att in self.attachments("User", old):
            self.store.delete(
                "ram.attachment",
                self._attachment_key("User", old, att["PolicyType"], att["PolicyName"]),
            )
            att["Holder"] = new
            self.store.put(
                "ram.attachment",
                self._attachment_key("User", new, att["PolicyType"], att["PolicyName"]),
                att,
            )
        login = self.store.get("ram.login", self._user_key(old))
        if login is not None:
            self.store.delete("ram.login", self._user_key(old))
            login["UserName"] = new
            self.store.put("ram.login", self._user_key(new), login)

    def delete_user(self, name: str) -> None:
        self.user(name)
        if self.keys(name):
            raise ApiError(
                409,
                "DeleteConflict.User.AccessKey",
                "The user still has AccessKeys; delete them first.",
            )
        if self.attachments("User", name):
            raise ApiError(
                409,
                "DeleteConflict.User.Policy",
                "The user still has policies attached; detach them first.",
            )
        if self.store.get("ram.login", self._user_key(name)) is not None:
            raise ApiError(
                409,
                "DeleteConflict.User.LoginProfile",
                "The user still has a login profile; delete it first.",
            )
        self.store.delete("ram.user", self._user_key(name))

    def users(self) -> list[dict[str, Any]]:
        return self.store.list("ram.user", f"{self.uid}/")

    # --- AccessKeys ------------------------------------------------------------------------

    def keys(self, user_name: str) -> list[dict[str, Any]]:
        return [
            k
            for k in self.store.list("ram.accesskey")
            if k["AccountId"] == self.uid and k.get("UserName") == user_name
        ]

    def create_key(self, user_name: str) -> dict[str, Any]:
        self.user(user_name)
        if len(self.keys(user_name)) >= MAX_KEYS_PER_USER:
            raise ApiError(
                409,
                "LimitExceeded.User.AccessKey",
                f"The user {user_name} already has {MAX_KEYS_PER_USER} AccessKeys, the maximum.",
            )
        key_id = iam.new_access_key_id()
        key = {
            "AccessKeyId": key_id,
            "AccessKeySecret": iam.new_secret(),
            "AccountId": self.uid,
            "UserName": user_name,
            "Status": "Active",
            "CreateDate": self.now,
        }
        self.store.put("ram.accesskey", key_id, key)
        return key

    def key(self, user_name: str, key_id: str) -> dict[str, Any]:
        self.user(user_name)
        key = self.store.get("ram.accesskey", key_id)
        if key is None or key["AccountId"] != self.uid or key.get("UserName") != user_name:
            raise ApiError(
                404, "EntityNotExist.User.AccessKey", f"The AccessKey does not exist: {key_id}."
            )
        return key

    def update_key(self, user_name: str, key_id: str, status: str) -> None:
        if status not in ("Active", "Inactive"):
            raise invalid_parameter("Status", "must be Active or Inactive")
        key = self.key(user_name, key_id)
        key["Status"] = status
        self.store.put("ram.accesskey", key_id, key)

    def delete_key(self, user_name: str, key_id: str) -> None:
        self.key(user_name, key_id)
        self.store.delete("ram.accesskey", key_id)

    # --- login profiles ----------------------------------------------------------------------

    def login(self, user_name: str) -> dict[str, Any]:
        self.user(user_name)
        profile = self.store.get("ram.login", self._user_key(user_name))
        if profile is None:
            raise ApiError(
                404,
                "EntityNotExist.User.LoginProfile",
                f"The login profile of {user_name} does not exist.",
            )
        return profile

    def set_login(
        self,
        user_name: str,
        password: str | None,
        reset: bool | None,
        mfa: bool | None,
        *,
        create: bool,
    ) -> dict[str, Any]:
        self.user(user_name)
        existing = self.store.get("ram.login", self._user_key(user_name))
        if create and existing is not None:
            raise ApiError(
                409,
                "EntityAlreadyExists.User.LoginProfile",
                f"The login profile of {user_name} already exists.",
            )
        if not create and existing is None:
            raise ApiError(
                404,
                "EntityNotExist.User.LoginProfile",
                f"The login profile of {user_name} does not exist.",
            )
        profile = existing or {
            "UserName": user_name,
            "CreateDate": self.now,
            "PasswordResetRequired": False,
            "MFABindRequired": False,
        }
        if create or password:
            if not password:
                raise ApiError(
                    400, "MissingParameter.Password", 'The input parameter "Password" is required.'
                )
            check_password(password)
            profile["Password"] = hash_password(password)
        if reset is not None:
            profile["PasswordResetRequired"] = reset
        if mfa is not None:
            profile["MFABindRequired"] = mfa
        self.store.put("ram.login", self._user_key(user_name), profile)
        return profile

    def delete_login(self, user_name: str) -> None:
        self.login(user_name)
        self.store.delete("ram.login", self._user_key(user_name))

    # --- policies ----------------------------------------------------------------------------

    def policy(self, name: str, policy_type: str) -> dict[str, Any]:
        if policy_type == "System":
            doc = iam.SYSTEM_POLICIES.get(name)
            if doc is None:
                raise ApiError(404, "EntityNotExist.Policy", f"The policy does not exist: {name}.")
            return {
                "PolicyName": name,
                "PolicyType": "System",
                "Description": doc["Description"],
                "DefaultVersion": "v1",
                "CreateDate": "2015-01-01T00:00:00Z",
                "UpdateDate": "2015-01-01T00:00:00Z",
                "PolicyDocument": json.dumps({k: v for k, v in doc.items() if k != "Description"}),
                "AttachmentCount": len(self._attached_anywhere("System", name)),
            }
        check_policy_type(policy_type)
        policy = self.store.get("ram.policy", f"{self.uid}/{name}")
        if policy is None:
            raise ApiError(404, "EntityNotExist.Policy", f"The policy does not exist: {name}.")
        policy["AttachmentCount"] = len(self._attached_anywhere("Custom", name))
        return policy

    def policies(self, policy_type: str | None) -> list[dict[str, Any]]:
        if policy_type:
            check_policy_type(policy_type)
        out = []
        if policy_type in (None, "", "System"):
            out += [self.policy(n, "System") for n in iam.SYSTEM_POLICIES]
        if policy_type in (None, "", "Custom"):
            out += self.store.list("ram.policy", f"{self.uid}/")
        return out

    def create_policy(self, name: str, document: str, description: str | None) -> dict[str, Any]:
        check_name("PolicyName", name)
        check_text("Description", description)
        parse_policy_document(document)
        if (
            name in iam.SYSTEM_POLICIES
            or self.store.get("ram.policy", f"{self.uid}/{name}") is not None
        ):
            raise ApiError(409, "EntityAlreadyExists.Policy", f"The policy already exists: {name}.")
        policy = {
            "PolicyName": name,
            "PolicyType": "Custom",
            "Description": description or "",
            "DefaultVersion": "v1",
            "PolicyDocument": document,
            "CreateDate": self.now,
            "UpdateDate": self.now,
        }
        self.store.put("ram.policy", f"{self.uid}/{name}", policy)
        return policy

    def delete_policy(self, name: str) -> None:
        self.policy(name, "Custom")
        if self._attached_anywhere("Custom", name):
            raise ApiError(
                409,
                "DeleteConflict.Policy.User",
                f"The policy {name} is still attached; detach it first.",
            )
        self.store.delete("ram.policy", f"{self.uid}/{name}")

    def _attached_anywhere(self, policy_type: str, name: str) -> list[dict[str, Any]]:
        return [
            a
            for a in self.store.list("ram.attachment", f"{self.uid}/")
            if a["PolicyType"] == policy_type and a["PolicyName"] == name
        ]

    # --- attachments ---------------------------------------------------------------------------

    def attachments(self, holder_kind: str, holder: str) -> list[dict[str, Any]]:
        return iam.attached_policies(self.store, self.uid, holder_kind, holder)

    def _holder(self, holder_kind: str, holder: str) -> str:
        if holder_kind == "User":
            return str(self.user(holder)["UserName"])
        return str(self.role(holder)["RoleName"]).lower()

    def _attachment_key(
        self, holder_kind: str, holder: str, policy_type: str, policy_name: str
    ) -> str:
        return f"{self.uid}/{holder_kind}/{holder}/{policy_type}/{policy_name}"

    def attach(self, holder_kind: str, holder: str, policy_type: str, policy_name: str) -> None:
        key_name = self._holder(holder_kind, holder)
        self.policy(policy_name, check_policy_type(policy_type))
        key = self._attachment_key(holder_kind, key_name, policy_type, policy_name)
        if self.store.get("ram.attachment", key) is not None:
            raise ApiError(
                409,
                f"EntityAlreadyExists.{holder_kind}.Policy",
                f"The policy {policy_name} is already attached to {holder}.",
            )
        limit = MAX_ATTACHED[(holder_kind, policy_type)]
        if (
            sum(a["PolicyType"] == policy_type for a in self.attachments(holder_kind, key_name))
            >= limit
        ):
            raise ApiError(
                409,
                f"LimitExceeded.{holder_kind}.Policy",
                f"The {holder_kind.lower()} {holder} already has {limit} {policy_type.lower()} policies, the maximum.",
            )
        self.store.put(
            "ram.attachment",
            key,
            {
                "PolicyName": policy_name,
                "PolicyType": policy_type,
                "AttachDate": self.now,
                "Holder": key_name,
                "HolderKind": holder_kind,
            },
        )

    def detach(self, holder_kind: str, holder: str, policy_type: str, policy_name: str) -> None:
        key_name = self._holder(holder_kind, holder)
        key = self._attachment_key(
            holder_kind, key_name, check_policy_type(policy_type), policy_name
        )
        if not self.store.delete("ram.attachment", key):
            raise ApiError(
                404,
                f"EntityNotExist.{holder_kind}.Policy",
                f"The policy {policy_name} is not attached to {holder}.",
            )

    # --- roles -----------------------------------------------------------------------------------

    def role(self, name: str) -> dict[str, Any]:
        role = self.store.get("ram.role", f"{self.uid}/{check_name('RoleName', name).lower()}")
        if role is None:
            raise ApiError(404, "EntityNotExist.Role", f"The role does not exist: {name}.")
        return role

    def create_role(
        self, name: str, trust: str, description: str | None, max_session: int | None
    ) -> dict[str, Any]:
        check_name("RoleName", name)
        check_text("Description", description)
        parse_policy_document(trust, "AssumeRolePolicyDocument")
        exists = self.store.get("ram.role", f"{self.uid}/{name.lower()}") is not None
        _refuse_another("Role", name, exists, len(self.roles()), MAX_ROLES)
        duration = max_session if max_session is not None else 3600
        if not 3600 <= duration <= 43200:
            raise invalid_parameter("MaxSessionDuration", "must be 3600 to 43200 seconds")
        role = {
            "RoleName": name,
            "RoleId": iam.new_numeric_id(19),
            "Arn": f"acs:ram::{self.uid}:role/{name.lower()}",
            "Description": description or "",
            "AssumeRolePolicyDocument": trust,
            "MaxSessionDuration": duration,
            "CreateDate": self.now,
            "UpdateDate": self.now,
            "RolePrincipalName": f"{name}@role.{self.uid}.onaliyunservice.com",
            "IsServiceLinkedRole": False,
        }
        self.store.put("ram.role", f"{self.uid}/{name.lower()}", role)
        return role

    def update_role(
        self, name: str, trust: str | None, description: str | None, max_session: int | None
    ) -> dict[str, Any]:
        role = self.role(name)
        check_text("Description", description)
        if trust:
            parse_policy_document(trust, "AssumeRolePolicyDocument")
            role["AssumeRolePolicyDocument"] = trust
        if max_session is not None:
            if not 3600 <= max_session <= 43200:
                raise invalid_parameter("NewMaxSessionDuration", "must be 3600 to 43200 seconds")
            role["MaxSessionDuration"] = max_session
        if description is not None:
            role["Description"] = description
        role["UpdateDate"] = self.now
        self.store.put("ram.role", f"{self.uid}/{name.lower()}", role)
        return role

    def delete_role(self, name: str) -> None:
        role = self.role(name)
        if self.attachments("Role", role["RoleName"].lower()):
            raise ApiError(
                409,
                "DeleteConflict.Role.Policy",
                f"The role {name} still has policies attached; detach them first.",
            )
        self.store.delete("ram.role", f"{self.uid}/{name.lower()}")

    def roles(self) -> list[dict[str, Any]]:
        return self.store.list("ram.role", f"{self.uid}/")
