-- AlterTable
ALTER TABLE `woc_users` ADD COLUMN `timezone` VARCHAR(64) NULL,
    ADD COLUMN `lastSeenAt` DATETIME(3) NULL;

-- AlterTable
ALTER TABLE `woc_users` MODIFY `passwordHash` VARCHAR(191) NULL;

-- AlterTable
ALTER TABLE `woc_time_entries` ADD COLUMN `note` VARCHAR(191) NULL;
