package jsoncmp

import (
	"bytes"

	"github.com/bytedance/sonic"
	sonicenc "github.com/bytedance/sonic/encoder"
	goccy "github.com/goccy/go-json"
	jsoniter "github.com/json-iterator/go"
	segjson "github.com/segmentio/encoding/json"
)

// Each third-party library with its own fastest documented way to reuse a
// buffer, HTML escaping off (as in wizschema.Encoder), decoding with the
// library's default (or encoding/json-compatible) configuration.

func init() {
	register(codec{
		name:      "goccy",
		unmarshal: goccy.Unmarshal,
		newMarshaler: func() func(any) ([]byte, error) {
			var buf bytes.Buffer
			enc := goccy.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			return func(v any) ([]byte, error) {
				buf.Reset()
				if err := enc.Encode(v); err != nil {
					return nil, err
				}
				b := buf.Bytes()
				return b[:len(b)-1], nil
			}
		},
	})

	// sonic.ConfigDefault: strings decoded without copying (they point
	// into the input, which stays alive as long as any of them does), no
	// validation of strings (control characters, invalid UTF-8).
	register(codec{
		name:      "sonic",
		unmarshal: sonic.ConfigDefault.Unmarshal,
		newMarshaler: func() func(any) ([]byte, error) {
			var buf []byte
			return func(v any) ([]byte, error) {
				buf = buf[:0]
				err := sonicenc.EncodeInto(&buf, v, 0)
				return buf, err
			}
		},
	})

	// sonic.ConfigStd (the encoding/json-compatible configuration) without
	// HTML escaping: copied strings, validated strings, sorted map keys.
	stdOpts := sonicenc.SortMapKeys | sonicenc.CompactMarshaler | sonicenc.ValidateString
	register(codec{
		name:      "sonic-std",
		unmarshal: sonic.ConfigStd.Unmarshal,
		newMarshaler: func() func(any) ([]byte, error) {
			var buf []byte
			return func(v any) ([]byte, error) {
				buf = buf[:0]
				err := sonicenc.EncodeInto(&buf, v, stdOpts)
				return buf, err
			}
		},
	})

	register(codec{
		name:      "segmentio",
		unmarshal: segjson.Unmarshal,
		newMarshaler: func() func(any) ([]byte, error) {
			var buf []byte
			return func(v any) ([]byte, error) {
				var err error
				buf, err = segjson.Append(buf[:0], v, segjson.SortMapKeys)
				return buf, err
			}
		},
	})

	// jsoniter's encoding/json-compatible configuration minus HTML
	// escaping, used through a kept Stream.
	iter := jsoniter.Config{
		SortMapKeys:            true,
		ValidateJsonRawMessage: true,
	}.Froze()
	register(codec{
		name:      "jsoniter",
		unmarshal: jsoniter.ConfigCompatibleWithStandardLibrary.Unmarshal,
		newMarshaler: func() func(any) ([]byte, error) {
			stream := jsoniter.NewStream(iter, nil, 4096)
			return func(v any) ([]byte, error) {
				stream.SetBuffer(stream.Buffer()[:0])
				stream.WriteVal(v)
				return stream.Buffer(), stream.Error
			}
		},
	})
}
