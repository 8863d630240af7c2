-- AlterTable
ALTER TABLE `woc_users` ADD COLUMN `locale` VARCHAR(16) NULL;

-- AlterTable
ALTER TABLE `woc_projects` ADD COLUMN `code` VARCHAR(32) NOT NULL DEFAULT 'general';
