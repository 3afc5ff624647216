package sdk

// Connector config arrives as a JSON object (the runtime's TOML `config`
// table); this decodes it into a struct with exact key matching, which
// encoding/json alone does not do (it matches keys case-insensitively).

import (
	"bytes"
	"encoding/json"
	"reflect"
	"sort"
	"strings"
)

// ParseConfig decodes config into the struct *out. Keys are the fields'
// `json` tag names, matched exactly; fields keep their value when the key is
// absent (set defaults before calling). An unknown key, a null, a wrong type
// or bad JSON becomes an InvalidConfig error naming the key.
func ParseConfig(config string, out any) error {
	if strings.TrimSpace(config) == "" {
		config = "{}"
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(config), &raw); err != nil {
		return InvalidConfig("config must be a JSON object: %v", err)
	}
	v := reflect.ValueOf(out).Elem()
	fields := map[string]reflect.Value{}
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = v.Field(i)
		}
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, key := range keys {
		field, ok := fields[key]
		if !ok {
			allowed := make([]string, 0, len(fields))
			for name := range fields {
				allowed = append(allowed, name)
			}
			sort.Strings(allowed)
			return InvalidConfig("unknown config key %q (allowed: %s)", key, strings.Join(allowed, ", "))
		}
		if bytes.Equal(bytes.TrimSpace(raw[key]), []byte("null")) {
			return InvalidConfig("config key %q must not be null", key)
		}
		if err := json.Unmarshal(raw[key], field.Addr().Interface()); err != nil {
			return InvalidConfig("config key %q must be a %s: %v", key, field.Type(), err)
		}
	}
	return nil
}
