// Package aptest is a fake remote Fediverse for end-to-end tests of artbridge's
// ActivityPub side. It is a test helper: only _test.go files import it, and it
// imports no other artbridge package nor any HTTP-signature library, so it
// encodes the protocol on its own (plain encoding/json documents; draft-cavage-12
// signing strings and crypto/rsa signatures written here from the draft and
// Mastodon's documented rules) and can catch mistakes the server would
// otherwise share with its own tests.
//
// # What it provides
//
// A Server (NewServer) is one remote host on 127.0.0.1:0 with actors
// (AddActor). It serves WebFinger, host-meta, NodeInfo 2.1, actor documents,
// keys, empty outbox/followers collections, and every object its actors
// created (410 with a Tombstone once deleted). It records every request
// (Requests) and verifies every inbox POST strictly, as Mastodon and Fedify do:
//
//   - a Signature header (an RFC 9421 Signature-Input is refused with 401,
//     so a Fedify-style sender falls back);
//   - algorithm rsa-sha256 or hs2019 (or absent);
//   - parameters spelt as the draft does (keyId, headers, …: "HEADERS=" is
//     refused, not ignored) and none given twice;
//   - signed headers include (request-target), host, digest and date or
//     (created); the signed host is this host;
//   - Digest present and equal to SHA-256 of the body;
//   - a signed Date, and (created) when given, within ±12 h of the host's
//     clock (WithDateSkew); (expires) not past;
//   - Content-Type application/activity+json, or application/ld+json with the
//     ActivityStreams profile;
//   - the body one JSON object with an actor;
//   - the key fetched by dereferencing keyId with a GET (signed by the inbox
//     owner when the style signs GETs), cached per keyId (WithKeyCacheTTL);
//   - for a POST, the key proven: its owner on the key's own host, and the
//     owner's actor document, fetched at the owner's id, listing the same key
//     id with the same public key (a signed GET takes the key document's word,
//     as GoToSocial does, so two hosts that sign GETs do not loop);
//   - publicKey.owner exactly equal to the activity's actor;
//   - the RSA signature valid.
//
// A refused POST gets 401 (400 for bad JSON) and is recorded with a Reason
// (Rejected); an accepted one gets 202 (WithAcceptStatus, SetAcceptStatus) and
// becomes a Delivery (Deliveries, DeliveriesOfType, WaitFor, Duplicates).
//
// Answers are scriptable at runtime (Script per inbox or path, ScriptAll per
// host: a status with Retry-After, a dropped connection, a number of uses),
// the host can go Down and come back Up, and latency can be added. Actors act
// as remote users (Follow, Undo, Like, Announce, Reply, DeleteNote,
// DeleteSelf, the generic Post with SignOptions that break one rule each, and
// SignedGet), resolving our server by WebFinger and actor documents
// (Discover) rather than by known paths.
//
// A Fleet (NewFleet) is many such hosts sharing one key, one key cache and one
// client, cheap enough for a 1,000-inbox fan-out in one process.
//
// Keys: RSA-2048 generation is slow, so keys come from a KeyPool. Each Server
// has its own pool unless the test passes one with WithKeyPool; there is no
// process-wide cache.
//
// # Styles
//
// A Style makes a host behave like one real server, after what was observed
// on GoToSocial 0.19 and Fedify 2.3 and what Mastodon and Akkoma are known to
// do (design §3, "What real peers do"):
//
// Mastodon: shared inbox /inbox (delivers to a peer's sharedInbox when it has
// one), per-actor inbox /users/NAME/inbox, keyId "…/users/NAME#main-key" (the
// key is inside the actor document), algorithm="rsa-sha256", to/cc/tag always
// arrays, a Delete of a Note carries a Tombstone, the toot: terms and
// "sensitive" declared in @context. GETs are not signed.
//
// GoToSocial: no shared inbox (no endpoints.sharedInbox; delivers to and
// receives at /users/NAME/inbox), keyId "…/users/NAME/main-key" with no
// fragment, served as a separate stub document, algorithm="hs2019", every GET
// signed over (request-target) host date (key fetches included), a Delete's
// object a bare IRI, a single value never wrapped in an array. It resolves
// WebFinger over https even for http actor IRIs, and confirms an actor found
// by IRI with WebFinger; aptest tries https first and falls back to http only
// on loopback. RequireSignedFetch makes the actor document need a signed GET,
// while /main-key stays public, as on GoToSocial.
//
// Akkoma: shared inbox /inbox, keyId "…/users/NAME#main-key",
// algorithm="rsa-sha256", the LitePub context.
//
// Fedify: signs a POST with RFC 9421 first (Signature-Input, Signature,
// Content-Digest; a real RSA PKCS#1 v1.5 signature over an RFC 9421 signature
// base, not checked against another implementation and never verified by
// aptest) and, answered 400 or 401, signs again with draft-cavage
// (rsa-sha256) — the "double knock". Sent and LastScheme tell which scheme
// finally succeeded. It declares and writes "sensitive" only when the Note is
// sensitive.
//
// # Documents that stay public
//
// Whatever the options, WebFinger, host-meta, NodeInfo and the document that
// holds a key (the actor document for "#main-key" styles, /main-key for
// GoToSocial) are served without a signature and their GETs are not verified:
// verifying them would need the same document on the other side, looping
// between two such hosts.
package aptest
