package filter

// decodeRaw decodes the well-formed raw JSON value v into the same shapes
// encoding/json produces for an interface{} (map[string]any, []any, float64,
// string, bool, nil). A nil v (a missing value) gives missingValue{}. It is
// the slow path, used only where a whole sub-value must be compared (deep
// equality against an object or array).
func decodeRaw(v []byte) any {
	if v == nil {
		return missingValue{}
	}
	val, _ := decodeAt(v, 0)
	return val
}

func decodeAt(d []byte, i int) (any, int) {
	switch d[i] {
	case '"':
		end, esc, _ := scanString(d, i)
		return decodeString(d[i:end], esc), end
	case '{':
		m := map[string]any{}
		i = skipWS(d, i+1)
		if d[i] == '}' {
			return m, i + 1
		}
		for {
			end, esc, _ := scanString(d, i)
			key := decodeString(d[i:end], esc)
			i = skipWS(d, end)
			i = skipWS(d, i+1) // past ':'
			var val any
			val, i = decodeAt(d, i)
			m[key] = val
			i = skipWS(d, i)
			if d[i] == '}' {
				return m, i + 1
			}
			i = skipWS(d, i+1)
		}
	case '[':
		a := []any{}
		i = skipWS(d, i+1)
		if d[i] == ']' {
			return a, i + 1
		}
		for {
			var val any
			val, i = decodeAt(d, i)
			a = append(a, val)
			i = skipWS(d, i)
			if d[i] == ']' {
				return a, i + 1
			}
			i = skipWS(d, i+1)
		}
	case 't':
		return true, i + 4
	case 'f':
		return false, i + 5
	case 'n':
		return nil, i + 4
	default:
		end, _ := scanNumber(d, i)
		return rawNumber(d[i:end]), end
	}
}
