from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import Example
from litestar.params import Body, JSONBody, PathParameter

from api.accounts import service as users
from api.accounts.schemas import LoginRequest, LoginResponse, Me, UserCreate, UserRead, UserUpdate
from api.auth import any_authenticated, hash_password_async, require, token_extras, verify_password_async
from api.deps import CurrentActor, Now, provide_actor
from api.openapi_tags import AUTH
from api.throttle import client_address, login_throttle

Username = Annotated[str, PathParameter(max_length=64, description="账号的用户名 (the account's username)")]

LOGIN_EXAMPLES = [
    Example(summary="司法局（样例辖区）", value={"username": "supervisor", "password": "ruqi-demo"}),
    Example(summary="执法人员（样例辖区）", value={"username": "inspector-1", "password": "ruqi-demo"}),
]


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = [AUTH]

    @post("/login", exclude_from_auth=True, status_code=200, summary="登录，取得 Bearer 令牌")
    async def login(
        self,
        now: Now,
        data: Annotated[LoginRequest, Body(media_type=RequestEncodingType.JSON, examples=LOGIN_EXAMPLES)],
        request: Request[Any, Any, Any],
    ) -> LoginResponse:
        """用户名和密码换取 JWT 令牌；之后每个请求带 `Authorization: Bearer <access_token>`。

        角色：无需登录。应答还给出账号的角色、所属单位（unit_code）、执法人员编号或企业的统一社会信用代码。

        拒绝：401 `bad_credentials`（用户名或密码错误，不区分哪一项）；429 `login_locked`（连续失败后账号或
        地址暂时锁定，`Retry-After` 给出秒数，锁定期间正确的密码也被拒绝）。

        English: exchanges a username and password for a bearer token (`expires_in` seconds); repeated failures
        lock the account or address for a while (429).
        """
        found = await users.login(
            data.username,
            data.password,
            client_address(request),
            login_throttle(request),
            verify_password_async,
            now,
        )
        actor = found.actor
        jwt_auth = request.app.state["jwt_auth"]
        token = jwt_auth.create_token(identifier=actor.username, token_extras=token_extras(actor, found.token_version))
        return LoginResponse(
            access_token=token,
            token_type="Bearer",
            expires_in=int(jwt_auth.default_token_expiration.total_seconds()),
            username=actor.username,
            role=actor.role,
            unit_code=found.unit_code,
            inspector_id=actor.inspector_id,
            uscc=actor.uscc,
        )

    @post(
        "/logout",
        guards=[any_authenticated],
        status_code=204,
        dependencies={"actor": Provide(provide_actor, sync_to_thread=False)},
        summary="退出登录（本账号所有设备的令牌失效）",
    )
    async def logout(self, now: Now, actor: CurrentActor) -> None:
        """本账号的所有令牌立即失效：每台设备都须重新登录。

        角色：任何已登录账号。English: log out; every token of this account stops working.
        """
        await users.logout(actor, now)

    @get("/me", dependencies={"actor": Provide(provide_actor, sync_to_thread=False)}, summary="当前账号")
    async def me(self, actor: CurrentActor) -> Me:
        """令牌所属的账号：用户名、角色、单位、执法人员编号或企业的统一社会信用代码。

        角色：任何已登录账号。拒绝：401 `not_authenticated`（没有令牌、令牌过期或无效）。
        """
        return Me(
            username=actor.username,
            role=actor.role,
            unit_id=actor.unit_id,
            inspector_id=actor.inspector_id,
            uscc=actor.uscc,
        )


class UserController(Controller):
    path = "/api/v1/users"
    tags = [AUTH]
    guards = [require()]

    dependencies = {"actor": Provide(provide_actor, sync_to_thread=False)}

    @post("/", summary="开设账号")
    async def create(self, now: Now, actor: CurrentActor, data: JSONBody[UserCreate]) -> UserRead:
        """开设一个账号：规划员、主体负责人须写明单位，执法人员须写明执法证号，企业须写明统一社会信用代码。

        角色：管理员（admin）。

        拒绝：409 `username_taken`；422 `unit_required`、`certificate_required`、`uscc_required`；
        404 `inspector_not_found`、`enterprise_not_found`。English: create a user account (admin only).
        """
        return await users.create_user(data, hash_password_async, now, actor=actor.username)

    @patch("/{username:str}", summary="停用账号、修改角色或所属单位、重置密码")
    async def update(self, now: Now, actor: CurrentActor, username: Username, data: JSONBody[UserUpdate]) -> UserRead:
        """修改一个账号：停用、修改角色或绑定（单位、执法证、企业）、重置密码；该账号已有的令牌随即失效。

        角色：管理员（admin）。拒绝：404 `user_not_found`；422 密码不符合要求（`password_too_short`、
        `password_too_common`、`password_contains_username`）。English: deactivate, re-bind or reset an account.
        """
        return await users.update_user(username, data, hash_password_async, now, actor=actor.username)
