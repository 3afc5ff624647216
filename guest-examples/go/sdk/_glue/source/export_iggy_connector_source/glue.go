// Package export_iggy_connector_source implements the exports of world
// source-connector that wit-bindgen's generated main package calls, by handing
// each call to the source registered with sdk.ExportSource.
package export_iggy_connector_source

import (
	"iggyconnector/sdk"
	"wit_component/iggy_connector_host"
	"wit_component/iggy_connector_types"

	witTypes "go.bytecodealliance.org/pkg/wit/types"
)

type connectorError = iggy_connector_types.ConnectorError

func init() {
	sdk.GlueBindLog(func(level sdk.Level, message string) { iggy_connector_host.Log(uint8(level), message) })
}

func Open(config string, state witTypes.Option[[]uint8]) witTypes.Result[witTypes.Unit, connectorError] {
	var blob []byte
	if state.IsSome() {
		// A present but empty blob stays distinguishable from none.
		blob = append([]byte{}, state.Some()...)
	}
	if err := sdk.GlueSourceOpen(config, blob); err != nil {
		return witTypes.Err[witTypes.Unit](toConnectorError(err))
	}
	return witTypes.Ok[witTypes.Unit, connectorError](witTypes.Unit{})
}

func Poll() witTypes.Result[iggy_connector_types.PollResult, connectorError] {
	polled, err := sdk.GlueSourcePoll()
	if err != nil {
		return witTypes.Err[iggy_connector_types.PollResult](toConnectorError(err))
	}
	index, data := polled.Batch.Parts()
	state := witTypes.None[[]uint8]()
	if polled.State != nil {
		state = witTypes.Some(polled.State)
	}
	return witTypes.Ok[iggy_connector_types.PollResult, connectorError](iggy_connector_types.PollResult{
		Messages: iggy_connector_types.MessageBatch{Index: index, Data: data},
		State:    state,
	})
}

func Close() witTypes.Result[witTypes.Unit, connectorError] {
	if err := sdk.GlueSourceClose(); err != nil {
		return witTypes.Err[witTypes.Unit](toConnectorError(err))
	}
	return witTypes.Ok[witTypes.Unit, connectorError](witTypes.Unit{})
}

func toConnectorError(err error) connectorError {
	e := sdk.AsError(err)
	switch e.Kind {
	case sdk.KindInvalidConfig:
		return iggy_connector_types.MakeConnectorErrorInvalidConfig(e.Message)
	case sdk.KindTransient:
		return iggy_connector_types.MakeConnectorErrorTransient(e.Message)
	default:
		return iggy_connector_types.MakeConnectorErrorPermanent(e.Message)
	}
}
