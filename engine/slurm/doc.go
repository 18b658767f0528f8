// Package slurm is the Slurm engine: each task of a planned run becomes an
// sbatch job running `mlcd task exec`, after its upstreams' jobs
// (--dependency=afterok, or afterany for a task whose trigger rule runs it
// after failures); the task's resources and timeout become --cpus-per-task,
// --mem, --gres=gpu:N and --time; cancelling is scancel. Retries stay
// mlcd's, inside the job. It talks to Slurm through its commands (sbatch,
// squeue, scancel), so it works wherever they do.
package slurm
