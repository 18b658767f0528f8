package store

// CredentialEnv are the environment variables holding the credentials of
// a bucket store that the cloud SDKs read. Tasks do not receive them
// unless their secrets: names them (pipeline.SecretEnv): a task that
// could write the store could rewrite the shared cache index or another
// task's result. Variables that only point somewhere (AWS_PROFILE, the
// region) are not secrets and are left to tasks.
var CredentialEnv = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"GOOGLE_APPLICATION_CREDENTIALS",
	"AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN", "AZURE_STORAGE_CONNECTION_STRING", "AZURE_CLIENT_SECRET",
}
