//go:build goexperiment.jsonv2

package jsoncmp

import (
	"bytes"
	jsonv2 "encoding/json/v2"
)

// encoding/json/v2 with its default options (no HTML escaping, invalid
// UTF-8 and duplicate names rejected, case-sensitive names).
func init() {
	register(codec{
		name:      "v2",
		unmarshal: func(data []byte, v any) error { return jsonv2.Unmarshal(data, v) },
		newMarshaler: func() func(any) ([]byte, error) {
			var buf bytes.Buffer
			return func(v any) ([]byte, error) {
				buf.Reset()
				if err := jsonv2.MarshalWrite(&buf, v); err != nil {
					return nil, err
				}
				return buf.Bytes(), nil
			}
		},
	})
}
