/** Most jobs one `POST /v1/jobs/batch` may carry (each is about 1 KB of signed JSON). */
export const MAX_BATCH_JOBS = 500;
