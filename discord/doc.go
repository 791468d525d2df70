// Package discord is artbridge's adapter to Discord: it owns the discordgo session
// lifecycle, turns forum threads into submission events, renders the submission
// panel, answers the panel's buttons and the /delete_fedi command, sends moderator
// notices and serves the optional HTTP interactions endpoint.
//
// The package knows nothing of storage or the Fediverse. Incoming Discord events
// become calls on a Handler declared here; the Bot offers the outbound operations
// (panels, messages, DMs, attachment downloads) the rest of the system needs.
//
// Every REST call and the gateway connection go to the server named by
// Config.APIBaseURL, through a session-owned HTTP client and websocket dialer, so
// several sessions in one process can talk to different Discord-compatible servers.
package discord
