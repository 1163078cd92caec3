//go:build js && wasm

package main

import (
	"encoding/json"
	"syscall/js"
)

// The module registers one function, `rollbackGuardHelmRender(requestJSON)`,
// which returns the response as JSON, then waits to be called.
func main() {
	js.Global().Set("rollbackGuardHelmRender", js.FuncOf(func(this js.Value, args []js.Value) any {
		var req Request
		var res Response
		if len(args) != 1 || args[0].Type() != js.TypeString {
			res = Response{Error: "expected one JSON string"}
		} else if err := json.Unmarshal([]byte(args[0].String()), &req); err != nil {
			res = Response{Error: err.Error()}
		} else {
			res = Render(req)
		}
		out, err := json.Marshal(res)
		if err != nil {
			out, _ = json.Marshal(Response{Error: err.Error()})
		}
		return string(out)
	}))
	select {}
}
