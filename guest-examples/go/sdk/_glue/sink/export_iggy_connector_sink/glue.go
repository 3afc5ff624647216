// Package export_iggy_connector_sink implements the exports of world
// sink-connector that wit-bindgen's generated main package calls, by handing
// each call to the sink registered with sdk.ExportSink.
package export_iggy_connector_sink

import (
	"iggyconnector/sdk"
	"wit_component/iggy_connector_host"
	"wit_component/iggy_connector_types"

	witTypes "go.bytecodealliance.org/pkg/wit/types"
)

type result = witTypes.Result[witTypes.Unit, iggy_connector_types.ConnectorError]

func init() {
	sdk.GlueBindLog(func(level sdk.Level, message string) { iggy_connector_host.Log(uint8(level), message) })
}

func Open(config string) result {
	return toResult(sdk.GlueSinkOpen(config))
}

func Consume(topic iggy_connector_types.TopicMetadata, meta iggy_connector_types.BatchMetadata, batch iggy_connector_types.MessageBatch) result {
	return toResult(sdk.GlueSinkConsume(
		sdk.TopicMetadata{Stream: topic.StreamName, Topic: topic.TopicName},
		sdk.BatchMetadata{PartitionID: meta.PartitionId, CurrentOffset: meta.CurrentOffset, Schema: sdk.Schema(meta.Schema), MessageCount: meta.MessageCount},
		batch.Index, batch.Data,
	))
}

func Close() result {
	return toResult(sdk.GlueSinkClose())
}

func toResult(err error) result {
	if err == nil {
		return witTypes.Ok[witTypes.Unit, iggy_connector_types.ConnectorError](witTypes.Unit{})
	}
	return witTypes.Err[witTypes.Unit](connectorError(err))
}

func connectorError(err error) iggy_connector_types.ConnectorError {
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
