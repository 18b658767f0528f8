// Package deploy serves model versions behind one stable endpoint: the
// Deployer starts a version beside the one serving (blue/green), checks its
// health with /ping and a real prediction on the version's input example,
// switches the Gateway atomically, drains the old version and stops it. A
// version that fails its check is rolled back: the previous one keeps
// serving and the reason is returned, and the same digest is not tried
// again by this Deployer.
//
// Flavors: xgboost and lightgbm are served natively (deploy/xgboost,
// deploy/lightgbm), sklearn by Python workers that only predict
// (deploy/sklearn), command runs the model's own scoring server
// (deploy/command) behind a reverse proxy. An artifact that is a folder's
// manifest is fetched as that folder, an MLflow model folder whose MLmodel
// file (package mlmodel) says what to load.
//
// It does not decide which version should serve (the controller does, from
// the registry and the merge gate) and does not commit anything.
package deploy
