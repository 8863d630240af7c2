-- AlterTable
ALTER TABLE `woc_time_entries` ADD COLUMN `billable` BOOLEAN NOT NULL DEFAULT true,
    ADD COLUMN `rateCents` INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE `woc_invites` ADD COLUMN `invitedById` VARCHAR(191) NOT NULL;

-- AlterTable
ALTER TABLE `woc_time_entries` MODIFY `source` ENUM('DESKTOP', 'WEB', 'ADHOC', 'IMPORT') NOT NULL DEFAULT 'DESKTOP';
