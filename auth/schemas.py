"""marshmallow schemas for the auth service's inputs and answers.

The gateway validates request bodies with the same schemas before any RPC, and
the service validates again (RPC callers such as ``nameko shell`` skip the
gateway). Unknown fields are rejected (marshmallow's default), so a client
that sends ``"role": "admin"`` to /auth/register gets a 400, not an account.
"""
from marshmallow import Schema, ValidationError, fields, post_load, pre_load, validate, validates_schema

from auth.domain import (
    MAX_EMAIL_LENGTH,
    MAX_FULL_NAME_LENGTH,
    MAX_PASSWORD_LENGTH,
    ROLES,
    normalise_email,
    password_problems,
)

Email = validate.Length(max=MAX_EMAIL_LENGTH)
Password = validate.Length(max=MAX_PASSWORD_LENGTH)


def _strip(data, *names):
    if isinstance(data, dict):
        data = dict(data)
        for name in names:
            if isinstance(data.get(name), str):
                data[name] = data[name].strip()
    return data


class RegisterSchema(Schema):
    email = fields.Email(required=True, validate=Email, metadata={"example": "ada@example.com"})
    password = fields.String(required=True, validate=Password, load_only=True,
                             metadata={"example": "correct horse battery", "minLength": 8})
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=MAX_FULL_NAME_LENGTH),
                              metadata={"example": "Ada Lovelace"})

    @pre_load
    def strip_text(self, data, **kwargs):
        return _strip(data, "email", "full_name")

    @validates_schema
    def check_password(self, data, **kwargs):
        problems = password_problems(data.get("password", ""), data.get("email", ""))
        if problems:
            raise ValidationError(problems, field_name="password")

    @post_load
    def normalise(self, data, **kwargs):
        data["email"] = normalise_email(data["email"])
        return data


class LoginSchema(Schema):
    # Not fields.Email: a login with a malformed address is just a failed login.
    email = fields.String(required=True, validate=Email, metadata={"example": "ada@example.com"})
    password = fields.String(required=True, validate=Password, load_only=True)

    @post_load
    def normalise(self, data, **kwargs):
        data["email"] = normalise_email(data["email"])
        return data


class RefreshSchema(Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=256))


class TokenPairSchema(Schema):
    access_token = fields.String(required=True)
    refresh_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds the access token is valid"})


class UserSchema(Schema):
    id = fields.String(required=True)
    email = fields.String(required=True)
    full_name = fields.String(required=True)
    role = fields.String(required=True, metadata={"enum": list(ROLES)})
    created_at = fields.DateTime(required=True)


class UserPageSchema(Schema):
    items = fields.List(fields.Nested(UserSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class UserListQuerySchema(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=validate.Length(max=512))


class RoleChangeSchema(Schema):
    role = fields.String(required=True, validate=validate.OneOf(ROLES))


def dump_user(user):
    return UserSchema().dump(user)
