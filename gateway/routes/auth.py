"""Register, login, refresh, logout, me, user administration."""
from auth.schemas import (
    LoginSchema,
    RefreshSchema,
    RegisterSchema,
    RoleChangeSchema,
    TokenPairSchema,
    UserListQuerySchema,
    UserPageSchema,
    UserSchema,
)
from common.errors import load_or_raise
from gateway.http import json_body, json_response, route

TAGS = ["auth"]


class AuthRoutes:
    @route("POST", "/auth/register", summary="Create a customer account", tags=TAGS,
           body=RegisterSchema, responses={201: UserSchema}, errors=(409, 429, 503))
    def register(self, request):
        data = load_or_raise(RegisterSchema(), json_body(request))
        return json_response(self.rpc.auth.register(**data, client_ip=self.client_address(request)), 201)

    @route("POST", "/auth/login", summary="Exchange email and password for tokens", tags=TAGS,
           body=LoginSchema, responses={200: TokenPairSchema}, errors=(401, 429, 503))
    def login(self, request):
        data = load_or_raise(LoginSchema(), json_body(request))
        return json_response(self.rpc.auth.login(data["email"], data["password"], self.client_address(request)))

    @route("POST", "/auth/refresh", summary="Rotate a refresh token into a new token pair (a session "
           "ends REFRESH_FAMILY_MAX_AGE after its login: 401 SESSION_TOO_OLD)", tags=TAGS,
           body=RefreshSchema, responses={200: TokenPairSchema}, errors=(401,))
    def refresh(self, request):
        data = load_or_raise(RefreshSchema(), json_body(request))
        return json_response(self.rpc.auth.refresh(data["refresh_token"]))

    @route("POST", "/auth/logout", summary="End this session (access and refresh token)", tags=TAGS,
           auth="user", responses={204: None})
    def logout(self, request):
        caller = request.caller
        self.rpc.auth.logout(caller.id, caller.jti, caller.exp)
        return json_response(None, 204)

    @route("GET", "/auth/me", summary="The calling user", tags=TAGS, auth="user",
           responses={200: UserSchema}, errors=(404,))
    def me(self, request):
        return json_response(self.rpc.auth.get_user(request.caller.id))

    @route("GET", "/users", summary="All users, oldest first (admin)", tags=TAGS, auth="admin",
           query=UserListQuerySchema, responses={200: UserPageSchema})
    def list_users(self, request):
        query = load_or_raise(UserListQuerySchema(), request.args.to_dict())
        return json_response(self.rpc.auth.list_users(query["limit"], query["cursor"]))

    @route("PATCH", "/users/<user_id>", summary="Grant or remove admin (admin)", tags=TAGS, auth="admin",
           body=RoleChangeSchema, responses={200: UserSchema}, errors=(404, 409))
    def set_user_role(self, request, user_id):
        data = load_or_raise(RoleChangeSchema(), json_body(request))
        return json_response(self.rpc.auth.set_role(user_id, data["role"]))
