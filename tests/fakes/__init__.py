"""Test doubles for the Slack platform: Web API, Socket Mode and what Slack POSTs to apps.

Modules:

- ``slack_api.FakeSlack``: a local HTTP + WebSocket server the real ``slack_sdk`` clients and
  Bolt's Socket Mode handler talk to unchanged; it enforces Slack's rules with Slack's errors.
- ``requests``: signed slash-command, interactivity and Events API bodies/payloads.
- ``reference``: Slack's machine-readable reference (methods, errors, manifest schemas).
- ``fixtures``: pytest fixtures (``fake_slack``, ``slack_client``, ``async_slack_client``).

Typical use::

    with FakeSlack(scopes={"chat:write", "channels:manage"}) as fake:
        channel_id = fake.add_channel("incidents", members=[fake.bot_user_id])
        client = WebClient(token=fake.bot_token, base_url=fake.api_url)
        client.chat_postMessage(channel=channel_id, text="hello")
        assert fake.messages(channel_id)[0].text == "hello"
"""
