from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import Example
from litestar.params import Body, JSONBody

from api.accounts import service as users
from api.accounts.schemas import LoginRequest, LoginResponse, Me, UserCreate, UserRead
from api.auth import hash_password, require, token_extras, verify_password
from api.deps import CurrentActor, Now, provide_actor
from api.openapi_tags import AUTH

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
        data: Annotated[LoginRequest, Body(media_type=RequestEncodingType.JSON, examples=LOGIN_EXAMPLES)],
        request: Request[Any, Any, Any],
    ) -> LoginResponse:
        """用户名和密码换取 JWT 令牌；之后每个请求带 `Authorization: Bearer <access_token>`。

        角色：无需登录。应答还给出账号的角色、所属单位（unit_code）、执法人员编号或企业的统一社会信用代码。

        拒绝：401 `bad_credentials`（用户名或密码错误，不区分哪一项）。

        English: exchanges a username and password for a bearer token (`expires_in` seconds).
        """
        actor, unit_code = await users.authenticate(data.username, data.password, verify_password)
        jwt_auth = request.app.state["jwt_auth"]
        token = jwt_auth.create_token(identifier=actor.username, token_extras=token_extras(actor))
        return LoginResponse(
            access_token=token,
            token_type="Bearer",
            expires_in=int(jwt_auth.default_token_expiration.total_seconds()),
            username=actor.username,
            role=actor.role,
            unit_code=unit_code,
            inspector_id=actor.inspector_id,
            uscc=actor.uscc,
        )

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
        return await users.create_user(data, hash_password, now, actor=actor.username)
