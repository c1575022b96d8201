ALTER TABLE `jobs` ADD `queue_deadline_at` integer;--> statement-breakpoint
ALTER TABLE `jobs` ADD `run_timeout_ms` integer;--> statement-breakpoint
CREATE INDEX `jobs_queue_deadline_idx` ON `jobs` (`status`,`queue_deadline_at`);