// Package filter is the relay's filter language: criteria written in the
// MongoDB-style query language of the JavaScript library sift
// (github.com/crcn/sift.js), compiled once and matched against raw Discord
// gateway dispatches such as {"op":0,"d":{…},"s":42,"t":"MESSAGE_CREATE"}.
//
// # Use
//
//	f, err := filter.Compile(criteria) // errors wrap ErrInvalidCriteria
//	ok, err := f.Match(dispatch)       // errors wrap ErrInvalidDispatch
//	ok, err = f.MatchTrusted(dispatch) // for JSON already known to be valid
//
// A Filter is immutable and safe for concurrent use. Match reads the
// dispatch bytes once, descends only into the keys the criteria read, skips
// everything else without allocating, and stops as soon as a top-level
// condition has failed. RunFilterTest backs `artbridge relay filter-test`.
//
// # Criteria
//
// Criteria are one JSON object, at most MaxCriteriaBytes long and nested at
// most MaxCriteriaDepth deep. Its keys are dotted paths or operators, and
// every entry must hold (the object is a conjunction); {} matches every
// dispatch.
//
//	{"t": "MESSAGE_CREATE", "d.channel_id": "1249876543210987654"}
//	{"t": "MESSAGE_CREATE", "d.author.bot": {"$ne": true},
//	 "d.content": {"$regex": "#(art|wip)\\b", "$options": "i"}}
//	{"$or": [{"d.guild_id": {"$in": ["1", "2"]}}, {"d.mentions.id": "42"}]}
//
// A path key takes either a literal, which the values at the path must
// equal, or an object of operators ({"$gt": 1, "$lt": 5}); an object mixing
// operators and plain keys is an error, and an object without operators is
// a literal compared by deep equality. Keys beginning with "$" are always
// operators; an unknown one is an error that names it.
//
// # Paths and arrays
//
// A path is split at every "." and followed from the dispatch root: an
// object segment selects that key. When a segment meets an array, then, as
// in sift (walkKeyPathValues in src/core.ts):
//
//   - a segment JavaScript reads as a number ("0", "12", but also "01" or
//     "1e3") indexes the array: "d.mentions.0.id" is the first mention's id.
//     Only a canonical index ("0", "12") finds an element; others, and
//     indexes past the end, find nothing (a missing value).
//   - any other segment applies to every element (implicit array matching):
//     "d.mentions.id" reaches the id of each mention, and arrays inside
//     arrays are walked the same way.
//
// A path that ends on an array reaches the array itself and each of its
// elements (recursively for nested arrays), so {"d.member.roles": "123"}
// matches when "123" is one of the roles, and {"d.member.roles": ["1","2"]}
// when the roles are exactly that array. A path that runs into a missing
// key, null, a string, a number or a boolean before its end reaches a
// missing value. Thus every path yields a set of values, possibly including
// "missing", and possibly empty (a path through an empty array).
//
// # Operators
//
// Positive operators hold when at least one value of the set satisfies them;
// negative ones are their exact complement (the MongoDB rule):
//
//	$eq v          some value equals v (see Equality); a bare literal means $eq
//	$ne v          no value equals v (so a missing field satisfies $ne)
//	$gt $gte       some value is ordered after (or equal to) the operand
//	$lt $lte       some value is ordered before (or equal to) the operand
//	$in [v…]       some value equals some v; [null] matches missing values
//	$nin [v…]      not $in
//	$exists b      true: some value is present (null counts); false: none is
//	$type name     some value has the JSON type: "string", "number", "bool"
//	               or "boolean", "object", "array", "null" (a missing value
//	               has no type)
//	$regex p       some string value matches the RE2 pattern p (at most
//	               MaxRegexBytes); $options beside it may hold i (case
//	               folding), m (^ and $ at line breaks) and s (. matches \n)
//	$size n        some value is an array of exactly n elements
//	$mod [d, r]    some number x has x % d == r (JavaScript's %: floating
//	               point, the result takes the sign of x); d must not be 0
//	$elemMatch q   some array value has one element on which the query q
//	               holds as a whole (q may use operators and paths)
//	$all [q…]      the list is non-empty and every q holds on the set; q is
//	               a literal (some value equals it) or a query object
//	$not q         q does not hold on the set; q is a literal, an operator
//	               object, or a query object with paths
//	$and $or $nor  [q…], a non-empty list of query objects over the same
//	               values; allowed at the top and inside $not, $elemMatch
//	               and $all, not as the operators of a path
//
// Operators at the top of the criteria apply to the dispatch itself
// ({"$type": "object"}). A query object used by $elemMatch, $all or $not
// applies to each value of the set: its paths continue from those values.
//
// # Equality and order (sift's rules)
//
//   - null equals null and a missing value; no other value equals them.
//   - Otherwise the types must agree: 1 never equals "1" or true. Numbers
//     are IEEE 754 doubles, as in JavaScript (42 equals 42.0).
//   - Arrays are equal when they have equal elements in the same order.
//     Objects are equal when they have the same number of keys and each key
//     of the criteria object has an equal value in the other (sift's rule, so
//     a key whose criteria value is null also accepts an absent key).
//   - $gt, $gte, $lt and $lte take a number, string, boolean or null and only
//     compare values of the same type: numbers numerically, strings by UTF-16
//     code units (JavaScript's order), booleans with false before true.
//     "$gte": null and "$lte": null match null and missing values; "$gt":
//     null and "$lt": null match nothing.
//
// # Dispatches
//
// Match validates the JSON it reads (strict RFC 8259 grammar, nesting at
// most 128 deep); invalid input never matches. Because Match stops early on
// a failed top-level condition, the error for a malformed dispatch is only
// returned when the malformed part is read. RunFilterTest answers as
// MatchTrusted does, as the relay calls it. Strings are compared after decoding escapes; invalid
// UTF-8 is compared byte for byte. If an object repeats a key, every
// occurrence is considered (JSON.parse would keep the last); Discord never
// sends duplicates.
//
// MatchTrusted, for dispatches the gateway client has already decoded (so
// known to be valid JSON), gives the same answers as Match on valid input
// but does not validate what the criteria never read: it classifies the
// dispatch 64 bytes at a time into the quotes that delimit strings and the
// brackets outside them (AVX2 or SSE2 on amd64, portable Go elsewhere) and jumps
// over unread strings and containers with bit operations. Values the
// criteria read are still validated, so invalid input can get a wrong
// answer or an error, never a crash.
//
// # Cost limits
//
// Every filter has a budget, so that one bot's criteria cannot make the relay
// slow (issue 15). Compile refuses, naming the total and the limit
// ("criteria has 1,579 $regex operators; at most 64 are allowed"), criteria
// with more than MaxOperators operators, more than MaxRegexes $regex
// operators, or $regex patterns whose programs total more than
// MaxRegexProgram (regexProgramSize: about one RE2 instruction each,
// repetitions expanded, large classes counted by their ranges), before any
// regex is compiled. Each Match then has MaxMatchSteps steps, counted, not
// timed, so the same filter and dispatch always give the same answer: one
// per condition and per value it tests, one per byte a nested query reads
// again, and, before a $regex runs on a string, its program size times the
// string's length (the RE2 bound on its work). A dispatch that would exceed
// it does not match, and the error wraps ErrOverBudget.
//
// # Differences from sift
//
//   - No $where and nothing else that runs code; no JavaScript RegExp
//     objects or functions (JSON criteria cannot hold them anyway). A plain
//     string is always a literal, never a regex: sift's regex shorthand
//     needs a RegExp object, which JSON cannot express.
//   - Regexes are Go RE2: no look-around or back-references (a compile
//     error), only the i, m and s options (JavaScript's g, u, y are
//     refused), at most MaxRegexBytes.
//   - Operands are checked when compiling: $in/$nin/$all need arrays,
//     $exists a boolean, $size a non-negative integer, $mod two numbers, and
//     $gt… a scalar or null; sift would coerce or silently never match. $type
//     accepts "boolean" and "object" besides sift's names and refuses
//     "timestamp" (JSON has no dates). $options without $regex is an error.
//   - Negative operators ($ne, $nin, $not, $nor, "$exists": false) are
//     always the complement of the positive form over all the values a path
//     reaches. sift agrees except in corner cases through arrays of objects
//     (for example sift lets {"a.b": {"$exists": false}} match
//     {"a": [{"b": 1}]}).
//   - JavaScript properties of strings and arrays are not paths: "length" and
//     character indexes are ordinary keys (use $size for arrays).
//   - An array given to $not, or as an element of $all, is a literal compared
//     by deep equality (sift reads an array used as a query as index paths).
//   - "$all": [] never matches (as in MongoDB; sift matches everything).
//   - $mod only applies to numbers; sift computes JavaScript's % on
//     anything, so that null, "", [], "4" or [4] are multiples of 4 there.
//     In sift {"d.flags": {"$mod": [4, 0]}} matches {"d": null}; here not.
//   - A path that runs into null before its end reaches a missing value, as
//     it does for a string or a number; sift reaches null, which only shows
//     with {"$type": "null"} (and $mod).
//   - An index past the end of an array reaches a missing value, so it
//     equals null and satisfies "$exists": false; in sift it reaches nothing.
//   - "$gte": null and "$lte": null do not match an empty array ([] or
//     [[]] at the end of the path); sift matches them.
//   - Inside $elemMatch, an element that is itself an array is an array:
//     {"$elemMatch": {"$type": "array"}} matches [[1]]; not in sift.
//
// testdata/sift/golden.json holds sift 17's own answers on these edge cases
// (recorded under Node by testdata/sift/gen.js); TestSiftGolden checks that
// every disagreement is one listed here.
//   - A query object, with the $and/$or/$nor inside it, may read at most 64
//     distinct paths.
package filter
