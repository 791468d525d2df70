package filter_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/artbridge/artbridge/discord/relay/filter"
)

func ExampleCompile() {
	f, err := filter.Compile([]byte(`{
		"t": "MESSAGE_CREATE",
		"d.author.bot": {"$ne": true},
		"d.content": {"$regex": "#art\\b", "$options": "i"}
	}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	ok, err := f.Match([]byte(`{"op":0,"s":42,"t":"MESSAGE_CREATE","d":{"content":"New piece! #Art","author":{"id":"1"}}}`))
	fmt.Println(ok, err)
	// Output: true <nil>
}

func ExampleRunFilterTest() {
	dispatches := strings.NewReader(`{"t":"TYPING_START","d":{"channel_id":"5"}}
{"t":"MESSAGE_CREATE","d":{"channel_id":"5","mentions":[{"id":"7"}]}}
{"t":"MESSAGE_CREATE",
`)
	criteria := []byte(`{"t":"MESSAGE_CREATE","d.mentions.id":"7"}`)
	if err := filter.RunFilterTest(criteria, dispatches, os.Stdout, os.Stdout); err != nil {
		fmt.Println(err)
	}
	// Output:
	// false
	// true
	// line 3: invalid JSON at offset 22: unexpected end of input
	// false
}
