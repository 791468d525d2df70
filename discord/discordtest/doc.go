// Package discordtest is a fake Discord for tests: REST under /api/v9 (and
// /api/v10), the gateway websocket, interaction callbacks and webhooks, and a CDN
// serving attachments behind expiring signed URLs, all on one loopback
// httptest server. It is strict where Discord is strict (authorization, JSON
// shapes and limits, one callback per interaction, the 3 s interaction deadline)
// so that a real discordgo session that works against it is likely to work
// against Discord.
//
// Several bots (tokens and applications) can share one server. Tests drive
// flows with helpers such as CreateForumThread, ClickButton, SubmitModal and
// RunSlashCommand, and read the outcome with Messages, Requests, WaitFor and the
// Interaction handles.
package discordtest
