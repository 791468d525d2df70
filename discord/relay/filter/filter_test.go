package filter

import (
	"errors"
	"strings"
	"testing"
)

// matchCase is one criteria × dispatch pair with the expected answer. The
// cases follow sift's README examples and the semantics written in the
// package documentation.
type matchCase struct {
	name     string
	criteria string
	doc      string
	want     bool
}

const sampleDoc = `{"op":0,"s":42,"t":"MESSAGE_CREATE","d":{
 "id":"1","channel_id":"100","guild_id":"900","content":"Hello <@7> #Art",
 "author":{"id":"7","username":"ink","bot":false},
 "member":{"roles":["r1","r2"],"nick":null},
 "mentions":[{"id":"7","username":"ink"},{"id":"8","username":"fox","member":{"roles":["r3"]}}],
 "attachments":[{"id":"a1","size":1843211,"width":2400,"content_type":"image/png"}],
 "embeds":[],"tags":["books","programming","travel"],"scores":[3,80,85],"nested":[[1,2],[3]],
 "flags":12,"ratio":-2.5,"tts":false,"pinned":true,"nonce":null,"text":"caf\u00e9 \ud83d\ude00"}}`

func runCases(t *testing.T, cases []matchCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := tc.doc
			if doc == "" {
				doc = sampleDoc
			}
			f, err := Compile([]byte(tc.criteria))
			if err != nil {
				t.Fatalf("Compile(%s): %v", tc.criteria, err)
			}
			got, err := f.Match([]byte(doc))
			if err != nil {
				t.Fatalf("Match: %v", err)
			}
			if got != tc.want {
				t.Fatalf("criteria %s: got %v, want %v", tc.criteria, got, tc.want)
			}
			if got, err := f.MatchTrusted([]byte(doc)); got != tc.want || err != nil {
				t.Fatalf("criteria %s: MatchTrusted = %v, %v; want %v", tc.criteria, got, err, tc.want)
			}
		})
	}
}

func TestEqualityAndPaths(t *testing.T) {
	runCases(t, []matchCase{
		{"empty criteria match all", `{}`, "", true},
		{"implicit eq", `{"t":"MESSAGE_CREATE"}`, "", true},
		{"implicit eq miss", `{"t":"MESSAGE_UPDATE"}`, "", false},
		{"explicit $eq", `{"d.channel_id":{"$eq":"100"}}`, "", true},
		{"number is not string", `{"d.channel_id":100}`, "", false},
		{"string is not number", `{"s":"42"}`, "", false},
		{"number eq", `{"s":42}`, "", true},
		{"float eq int", `{"s":42.0}`, "", true},
		{"nested path", `{"d.author.id":"7"}`, "", true},
		{"bool eq", `{"d.author.bot":false}`, "", true},
		{"null matches null", `{"d.nonce":null}`, "", true},
		{"null matches missing", `{"d.missing":null}`, "", true},
		{"null matches missing parent", `{"d.nope.deeper":null}`, "", true},
		{"null not present value", `{"d.author.id":null}`, "", false},
		{"numeric index", `{"d.mentions.1.id":"8"}`, "", true},
		{"numeric index miss", `{"d.mentions.0.id":"8"}`, "", false},
		{"index out of range is missing", `{"d.mentions.5.id":null}`, "", true},
		{"non-canonical index is missing", `{"d.mentions.01":null}`, "", true},
		{"implicit array: any element", `{"d.mentions.id":"8"}`, "", true},
		{"implicit array: none", `{"d.mentions.id":"9"}`, "", false},
		{"implicit array nested", `{"d.mentions.member.roles":"r3"}`, "", true},
		{"array contains scalar", `{"d.member.roles":"r2"}`, "", true},
		{"array deep equality", `{"d.member.roles":["r1","r2"]}`, "", true},
		{"array deep equality order", `{"d.member.roles":["r2","r1"]}`, "", false},
		{"nested arrays flatten", `{"d.nested":2}`, "", true},
		{"nested array element equality", `{"d.nested":[3]}`, "", true},
		{"object deep equality", `{"d.author":{"username":"ink","bot":false,"id":"7"}}`, "", true},
		{"object deep equality subset fails", `{"d.author":{"id":"7"}}`, "", false},
		{"object equality null key quirk", `{"d.author":{"id":"7","username":"ink","nope":null}}`, "", true},
		{"object in array equality", `{"d.mentions":{"id":"7","username":"ink"}}`, "", true},
		{"escaped string", `{"d.content":"Hello <@7> #Art"}`, `{"d":{"content":"Hello \u003c@7\u003e #Art"}}`, true},
		{"escaped key", `{"d.channel_id":"1"}`, `{"d":{"channel\u005fid":"1"}}`, true},
		{"surrogate pair", `{"d.text":"café 😀"}`, "", true},
		{"non-object dispatch", `{"t":null}`, `[1,2]`, true},
		{"scalar on path is missing", `{"d.content.length":null}`, "", true},
		{"multiple conditions", `{"t":"MESSAGE_CREATE","d.channel_id":"100","d.author.bot":{"$ne":true}}`, "", true},
	})
}

func TestComparison(t *testing.T) {
	runCases(t, []matchCase{
		{"$gt number", `{"s":{"$gt":41}}`, "", true},
		{"$gt equal", `{"s":{"$gt":42}}`, "", false},
		{"$gte equal", `{"s":{"$gte":42}}`, "", true},
		{"$lt", `{"d.ratio":{"$lt":-2}}`, "", true},
		{"$lte", `{"d.ratio":{"$lte":-2.5}}`, "", true},
		{"$gt string vs number", `{"d.channel_id":{"$gt":5}}`, "", false},
		{"$gt number vs string", `{"s":{"$gt":"1"}}`, "", false},
		{"$gt string order", `{"d.channel_id":{"$gt":"099"}}`, "", true},
		{"$lt string order", `{"d.channel_id":{"$lt":"099"}}`, "", false},
		{"$gt bool", `{"d.pinned":{"$gt":false}}`, "", true},
		{"$gte null matches null", `{"d.nonce":{"$gte":null}}`, "", true},
		{"$lte null matches missing", `{"d.none":{"$lte":null}}`, "", true},
		{"$gt null never", `{"d.nonce":{"$gt":null}}`, "", false},
		{"$lt missing", `{"d.none":{"$lt":5}}`, "", false},
		{"$gt any array element", `{"d.scores":{"$gt":84}}`, "", true},
		{"range across elements (MongoDB rule)", `{"d.scores":{"$gt":81,"$lt":5}}`, "", true},
		{"range via $elemMatch", `{"d.scores":{"$elemMatch":{"$gte":81,"$lt":84}}}`, "", false},
		{"range via $elemMatch hit", `{"d.scores":{"$elemMatch":{"$gte":80,"$lt":85}}}`, "", true},
		{"UTF-16 order: astral below U+FFFD", `{"d.s":{"$lt":"\ufffd"}}`, `{"d":{"s":"😀"}}`, true},
		{"UTF-16 order: BMP", `{"d.s":{"$gt":"z"}}`, `{"d":{"s":"é"}}`, true},
		{"UTF-16 order: escaped astral", `{"d.s":{"$lt":"\uffff"}}`, `{"d":{"s":"\ud83d\ude00"}}`, true},
		{"string prefix orders first", `{"d.s":{"$lt":"abc"}}`, `{"d":{"s":"ab\u0063"}}`, false},
		{"string prefix shorter", `{"d.s":{"$lt":"abc"}}`, `{"d":{"s":"a\u0062"}}`, true},
		{"negative zero equals zero", `{"d.z":0}`, `{"d":{"z":-0}}`, true},
		{"exponent number", `{"d.z":{"$gt":1000}}`, `{"d":{"z":1.5e3}}`, true},
		{"long integer", `{"d.z":12345678901234567890}`, `{"d":{"z":12345678901234567890}}`, true},
	})
}

func TestSetOperators(t *testing.T) {
	runCases(t, []matchCase{
		{"$in", `{"d.guild_id":{"$in":["800","900"]}}`, "", true},
		{"$in miss", `{"d.guild_id":{"$in":["800"]}}`, "", false},
		{"$in empty", `{"d.guild_id":{"$in":[]}}`, "", false},
		{"$in array field", `{"d.member.roles":{"$in":["r9","r2"]}}`, "", true},
		{"$in null matches missing", `{"d.none":{"$in":[null]}}`, "", true},
		{"$nin", `{"d.guild_id":{"$nin":["800"]}}`, "", true},
		{"$nin hit", `{"d.guild_id":{"$nin":["900"]}}`, "", false},
		{"$nin missing", `{"d.none":{"$nin":["x"]}}`, "", true},
		{"$nin array field", `{"d.member.roles":{"$nin":["r2"]}}`, "", false},
		{"$ne", `{"d.author.bot":{"$ne":true}}`, "", true},
		{"$ne missing", `{"d.none":{"$ne":true}}`, "", true},
		{"$ne array element", `{"d.member.roles":{"$ne":"r1"}}`, "", false},
		{"$ne null excludes missing", `{"d.none":{"$ne":null}}`, "", false},
		{"$all", `{"d.tags":{"$all":["books","programming"]}}`, "", true},
		{"$all miss", `{"d.tags":{"$all":["books","cooking"]}}`, "", false},
		{"$all empty never", `{"d.tags":{"$all":[]}}`, "", false},
		{"$all with queries", `{"d.mentions":{"$all":[{"id":"7"},{"id":"8"}]}}`, "", true},
		{"$all with $elemMatch", `{"d.mentions":{"$all":[{"$elemMatch":{"id":"8","username":"fox"}}]}}`, "", true},
		{"$size", `{"d.tags":{"$size":3}}`, "", true},
		{"$size miss", `{"d.tags":{"$size":2}}`, "", false},
		{"$size empty", `{"d.embeds":{"$size":0}}`, "", true},
		{"$size nested", `{"d.nested":{"$size":1}}`, "", true},
		{"$size not array", `{"d.content":{"$size":15}}`, "", false},
		{"$mod", `{"d.flags":{"$mod":[4,0]}}`, "", true},
		{"$mod miss", `{"d.flags":{"$mod":[5,0]}}`, "", false},
		{"$mod negative dividend", `{"d.ratio":{"$mod":[2,-0.5]}}`, "", true},
		{"$mod not a number", `{"d.channel_id":{"$mod":[2,0]}}`, "", false},
		{"$mod array element", `{"d.scores":{"$mod":[5,0]}}`, "", true},
	})
}

func TestExistsAndType(t *testing.T) {
	runCases(t, []matchCase{
		{"$exists true", `{"d.author":{"$exists":true}}`, "", true},
		{"$exists true null", `{"d.nonce":{"$exists":true}}`, "", true},
		{"$exists false", `{"d.webhook_id":{"$exists":false}}`, "", true},
		{"$exists false present", `{"d.nonce":{"$exists":false}}`, "", false},
		{"$exists through array", `{"d.mentions.member":{"$exists":true}}`, "", true},
		{"$exists false through array (MongoDB rule)", `{"d.mentions.member":{"$exists":false}}`, "", false},
		{"$exists through empty array", `{"d.embeds.title":{"$exists":false}}`, "", true},
		{"$exists missing parent", `{"d.nope.x":{"$exists":false}}`, "", true},
		{"$type string", `{"d.content":{"$type":"string"}}`, "", true},
		{"$type number", `{"s":{"$type":"number"}}`, "", true},
		{"$type bool", `{"d.tts":{"$type":"bool"}}`, "", true},
		{"$type boolean", `{"d.tts":{"$type":"boolean"}}`, "", true},
		{"$type object", `{"d.author":{"$type":"object"}}`, "", true},
		{"$type array", `{"d.embeds":{"$type":"array"}}`, "", true},
		{"$type element", `{"d.tags":{"$type":"string"}}`, "", true},
		{"$type null", `{"d.nonce":{"$type":"null"}}`, "", true},
		{"$type null not missing", `{"d.none":{"$type":"null"}}`, "", false},
		{"$type mismatch", `{"d.channel_id":{"$type":"number"}}`, "", false},
	})
}

func TestRegex(t *testing.T) {
	runCases(t, []matchCase{
		{"$regex", `{"d.content":{"$regex":"#art\\b"}}`, "", false},
		{"$regex i", `{"d.content":{"$regex":"#art\\b","$options":"i"}}`, "", true},
		{"$regex anchored", `{"d.content":{"$regex":"^Hello"}}`, "", true},
		{"$regex m", `{"d.c":{"$regex":"^two","$options":"m"}}`, `{"d":{"c":"one\ntwo"}}`, true},
		{"$regex without m", `{"d.c":{"$regex":"^two"}}`, `{"d":{"c":"one\ntwo"}}`, false},
		{"$regex s", `{"d.c":{"$regex":"one.two","$options":"s"}}`, `{"d":{"c":"one\ntwo"}}`, true},
		{"$regex without s", `{"d.c":{"$regex":"one.two"}}`, `{"d":{"c":"one\ntwo"}}`, false},
		{"$regex on escaped text", `{"d.c":{"$regex":"<@7>"}}`, `{"d":{"c":"hi \u003c@7\u003e"}}`, true},
		{"$regex array element", `{"d.tags":{"$regex":"^prog"}}`, "", true},
		{"$regex ignores non-strings", `{"s":{"$regex":"42"}}`, "", false},
		{"$regex with $nin (sift README)", `{"d.name":{"$regex":"^f","$options":"i","$nin":["frank"]}}`, `{"d":{"name":"Fred"}}`, true},
		{"$regex with $nin excluded", `{"d.name":{"$regex":"^f","$options":"i","$nin":["frank"]}}`, `{"d":{"name":"frank"}}`, false},
		{"plain string is not a regex", `{"d.content":"^Hello"}`, "", false},
		{"$regex unicode", `{"d.text":{"$regex":"^CAFÉ","$options":"i"}}`, "", true},
	})
}

func TestLogicalAndNot(t *testing.T) {
	runCases(t, []matchCase{
		{"$and", `{"$and":[{"t":"MESSAGE_CREATE"},{"d.guild_id":"900"}]}`, "", true},
		{"$and miss", `{"$and":[{"t":"MESSAGE_CREATE"},{"d.guild_id":"901"}]}`, "", false},
		{"$or", `{"$or":[{"d.channel_id":"1"},{"d.mentions.id":"8"}]}`, "", true},
		{"$or miss", `{"$or":[{"d.channel_id":"1"},{"d.mentions.id":"9"}]}`, "", false},
		{"$nor", `{"$nor":[{"d.channel_id":"1"},{"d.mentions.id":"9"}]}`, "", true},
		{"$nor miss", `{"$nor":[{"d.channel_id":"100"}]}`, "", false},
		{"nested logical", `{"$or":[{"$and":[{"t":"X"}]},{"$nor":[{"s":1}]}]}`, "", true},
		{"$not operator", `{"d.content":{"$not":{"$regex":"^Bye"}}}`, "", true},
		{"$not operator miss", `{"d.content":{"$not":{"$regex":"^Hello"}}}`, "", false},
		{"$not $in (sift README)", `{"d.n":{"$not":{"$in":["craig","tim"]}}}`, `{"d":{"n":"jake"}}`, true},
		{"$not $size", `{"d.tags":{"$not":{"$size":5}}}`, "", true},
		{"$not missing", `{"d.none":{"$not":{"$gt":5}}}`, "", true},
		{"$not literal", `{"d.channel_id":{"$not":"100"}}`, "", false},
		{"$not with fields", `{"d.author":{"$not":{"bot":true}}}`, "", true},
		{"$not top level", `{"$not":{"t":"MESSAGE_UPDATE"}}`, "", true},
		{"$not with $or", `{"d.channel_id":{"$not":{"$or":[{"$eq":"1"},{"$eq":"2"}]}}}`, "", true},
		{"$elemMatch objects", `{"d.mentions":{"$elemMatch":{"id":"8","username":"fox"}}}`, "", true},
		{"$elemMatch needs one element", `{"d.mentions":{"$elemMatch":{"id":"7","username":"fox"}}}`, "", false},
		{"$elemMatch scalars", `{"d.scores":{"$elemMatch":{"$gt":84}}}`, "", true},
		{"$elemMatch array elements", `{"d.nested":{"$elemMatch":{"$size":1}}}`, "", true},
		{"$elemMatch inside nested element", `{"d.nested":{"$elemMatch":{"$eq":3}}}`, "", true},
		{"$elemMatch not array", `{"d.author":{"$elemMatch":{"id":"7"}}}`, "", false},
		{"$elemMatch nested path", `{"d.mentions":{"$elemMatch":{"member.roles":"r3"}}}`, "", true},
		{"$elemMatch with $or", `{"d.mentions":{"$elemMatch":{"$or":[{"id":"0"},{"username":"fox"}]}}}`, "", true},
		{"$elemMatch sift README", `{"casts":{"$elemMatch":{"value":{"$gt":1000}}}}`, `{"month":"august","casts":[{"id":3,"value":1000},{"id":4,"value":4000}]}`, true},
		{"$elemMatch sift README miss", `{"casts":{"$elemMatch":{"value":{"$gt":1000}}}}`, `{"month":"july","casts":[{"id":1,"value":200},{"id":2,"value":1000}]}`, false},
		{"top-level operator on dispatch", `{"$type":"object"}`, "", true},
	})
}

func TestEarlyRejectionKeepsSemantics(t *testing.T) {
	// t fails at once; the rest of the dispatch is never read, so a
	// malformed tail yields no error — but never a match.
	f, err := Compile([]byte(`{"t":"MESSAGE_CREATE","d.x":1}`))
	if err != nil {
		t.Fatal(err)
	}
	ok, err := f.Match([]byte(`{"t":"TYPING_START","d":{"x":1,}}`))
	if ok || err != nil {
		t.Fatalf("early rejection: got %v, %v", ok, err)
	}
	ok, err = f.Match([]byte(`{"t":"MESSAGE_CREATE","d":{"x":1,}}`))
	if ok || !errors.Is(err, ErrInvalidDispatch) {
		t.Fatalf("malformed matching dispatch: got %v, %v", ok, err)
	}
	// A condition whose path is missing is only decided at the end.
	f, err = Compile([]byte(`{"d.y":{"$exists":false},"t":"A"}`))
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := f.Match([]byte(`{"d":{"x":1},"t":"A"}`)); !ok || err != nil {
		t.Fatalf("got %v, %v", ok, err)
	}
}

func TestMatchInvalidJSON(t *testing.T) {
	// With path criteria Match may stop before the malformed part (then
	// no error), but never matches.
	f, err := Compile([]byte(`{"$type":"object","d.channel_id":{"$exists":true}}`))
	if err != nil {
		t.Fatal(err)
	}
	bad := []string{
		``, `   `, `{`, `{"d":}`, `{"d":{"channel_id":"1"}`, `{"d":1}}`, `{"d":1} x`, `{"d":tru}`,
		`{"d":nul}`, `{"d":01}`, `{"d":1.}`, `{"d":-}`, `{"d":1e}`, `{"d":"a\x"}`, `{"d":"a\u12"}`,
		"{\"d\":\"a\x01\"}", `{"d":"abc`, `{d:1}`, `{"d" 1}`, `[1,]`, `[1 2]`, `{"d":[1,2}`, `{"a":1,}`,
		strings.Repeat("[", 200) + strings.Repeat("]", 200),
		`{"d":` + strings.Repeat(`{"a":`, 200) + `1` + strings.Repeat("}", 200) + `}`,
	}
	for _, b := range bad {
		ok, err := f.Match([]byte(b))
		if ok || (err != nil && !errors.Is(err, ErrInvalidDispatch)) {
			t.Errorf("Match(%q) = %v, %v; want false", b, ok, err)
		}
	}
	// Criteria that read no path make Match read the whole dispatch.
	f, err = Compile([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		ok, err := f.Match([]byte(b))
		if ok || !errors.Is(err, ErrInvalidDispatch) {
			t.Errorf("Match(%q) with {} = %v, %v; want false and ErrInvalidDispatch", b, ok, err)
		}
	}
	for _, good := range []string{` {"d":{}} `, "\n{\"x\":[1,-0.5e+3,true,false,null,\"\\u00e9\\n\"]}\n", `[]`, `"s"`, `0`} {
		if _, err := f.Match([]byte(good)); err != nil {
			t.Errorf("Match(%q): %v", good, err)
		}
	}
}

func TestConcurrentMatch(t *testing.T) {
	f, err := Compile([]byte(`{"d.mentions":{"$elemMatch":{"id":"8"}},"t":"MESSAGE_CREATE"}`))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 4)
	for g := 0; g < 4; g++ {
		go func() {
			for i := 0; i < 200; i++ {
				ok, err := f.Match([]byte(sampleDoc))
				if err != nil || !ok {
					done <- errors.New("concurrent Match gave a wrong answer")
					return
				}
			}
			done <- nil
		}()
	}
	for g := 0; g < 4; g++ {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}
