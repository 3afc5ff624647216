module iggyconnector/sdk

go 1.24
