"""How a command finds the instance that holds a charger.

* ``LocalRouter`` (default): one instance, or a load balancer that pins every
  charger *and* its commands to the same instance: the charger must be here.
* ``RedisRouter`` (``REDIS_URL`` set): each instance publishes the chargers it
  holds as ``ev:ocpp:charger:<identity>`` -> ``<instance name>`` (with a TTL it
  keeps refreshing) and listens on ``ev:ocpp:cmd:<instance name>``. A command
  for a charger held elsewhere is published to the owner's channel with a
  one-off reply channel; the owner runs it locally and publishes the answer.
  Any instance can therefore take Odoo's command call.

The same design works with PostgreSQL LISTEN/NOTIFY (a table of owners plus
NOTIFY on a per-instance channel); Redis is implemented because it is lighter.
"""

import asyncio
import json
import logging
import uuid

from .commands import CommandError, execute_local

_logger = logging.getLogger(__name__)

OWNER_TTL = 90  # seconds; refreshed every OWNER_TTL / 3


def make_router(bridge):
    if bridge.config.redis_url:
        return RedisRouter(bridge)
    return LocalRouter(bridge)


class LocalRouter:
    def __init__(self, bridge):
        self.bridge = bridge

    async def start(self):
        pass

    async def stop(self):
        pass

    async def register(self, identity):
        pass

    async def unregister(self, identity):
        pass

    async def send_command(self, identity, action, payload):
        return await execute_local(self.bridge, identity, action, payload)


class RedisRouter(LocalRouter):
    def __init__(self, bridge):
        super().__init__(bridge)
        self.name = "%s-%s" % (bridge.config.instance_name, bridge.config.instance_id)
        self.channel = "ev:ocpp:cmd:%s" % self.name
        self.redis = None
        self._listener = None
        self._refresher = None

    @staticmethod
    def owner_key(identity):
        return "ev:ocpp:charger:%s" % identity

    async def start(self):
        import redis.asyncio as aioredis

        self.redis = aioredis.from_url(
            self.bridge.config.redis_url, decode_responses=True
        )
        self._pubsub = self.redis.pubsub()
        await self._pubsub.subscribe(self.channel)
        self._listener = asyncio.create_task(self._listen(), name="redis-commands")
        self._refresher = asyncio.create_task(self._refresh(), name="redis-owners")
        _logger.info("event=redis_router_started instance=%s", self.name)

    async def stop(self):
        for task in (self._listener, self._refresher):
            if task is not None:
                task.cancel()
        if self.redis is not None:
            identities = list(self.bridge.chargers)
            for identity in identities:
                await self.unregister(identity)
            await self._pubsub.aclose()
            await self.redis.aclose()

    async def register(self, identity):
        await self.redis.set(self.owner_key(identity), self.name, ex=OWNER_TTL)

    async def unregister(self, identity):
        # only remove the key if it is still ours (the charger may have moved)
        script = (
            "if redis.call('get', KEYS[1]) == ARGV[1] "
            "then return redis.call('del', KEYS[1]) end return 0"
        )
        try:
            await self.redis.eval(script, 1, self.owner_key(identity), self.name)
        except Exception as error:  # noqa: BLE001
            _logger.warning(
                "event=redis_unregister_failed identity=%s error=%s", identity, error
            )

    async def _refresh(self):
        while True:
            await asyncio.sleep(OWNER_TTL / 3)
            try:
                pipe = self.redis.pipeline()
                for identity in list(self.bridge.chargers):
                    pipe.set(self.owner_key(identity), self.name, ex=OWNER_TTL)
                await pipe.execute()
            except Exception as error:  # noqa: BLE001
                _logger.warning("event=redis_refresh_failed error=%s", error)

    async def send_command(self, identity, action, payload):
        if identity in self.bridge.chargers:
            return await execute_local(self.bridge, identity, action, payload)
        owner = await self.redis.get(self.owner_key(identity))
        if owner is None or owner == self.name:
            raise CommandError(
                404,
                "not_connected",
                "Charger %s is not connected to any bridge" % identity,
            )
        reply_channel = "ev:ocpp:reply:%s" % uuid.uuid4().hex
        pubsub = self.redis.pubsub()
        await pubsub.subscribe(reply_channel)
        try:
            request = {
                "identity": identity,
                "action": action,
                "payload": payload,
                "reply": reply_channel,
            }
            receivers = await self.redis.publish(
                "ev:ocpp:cmd:%s" % owner, json.dumps(request)
            )
            if not receivers:
                raise CommandError(
                    404,
                    "not_connected",
                    "Bridge %s holding %s is gone" % (owner, identity),
                )
            deadline = self.bridge.config.command_timeout + 5
            answer = await asyncio.wait_for(
                self._first_message(pubsub), timeout=deadline
            )
        except asyncio.TimeoutError:
            raise CommandError(
                504, "timeout", "Bridge %s did not answer" % owner
            ) from None
        finally:
            await pubsub.unsubscribe(reply_channel)
            await pubsub.aclose()
        if "error" in answer:
            raise CommandError(
                answer["status"], answer["error"]["code"], answer["error"]["message"]
            )
        return answer["answer"]

    @staticmethod
    async def _first_message(pubsub):
        while True:
            message = await pubsub.get_message(
                ignore_subscribe_messages=True, timeout=1.0
            )
            if message is not None:
                return json.loads(message["data"])

    async def _listen(self):
        while True:
            try:
                message = await self._pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=1.0
                )
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001
                _logger.warning("event=redis_listen_failed error=%s", error)
                await asyncio.sleep(1)
                continue
            if message is not None:
                self.bridge.spawn(self._serve_remote(json.loads(message["data"])))

    async def _serve_remote(self, request):
        try:
            answer = {
                "answer": await execute_local(
                    self.bridge,
                    request["identity"],
                    request["action"],
                    request["payload"],
                )
            }
        except CommandError as error:
            answer = dict(error.body(), status=error.status)
        await self.redis.publish(request["reply"], json.dumps(answer))
