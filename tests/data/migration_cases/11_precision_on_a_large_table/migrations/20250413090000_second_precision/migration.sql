-- AlterTable
ALTER TABLE `woc_time_entries` MODIFY `startedAt` DATETIME(0) NOT NULL;

-- AlterTable
ALTER TABLE `woc_time_entries` MODIFY `source` VARCHAR(16) NOT NULL DEFAULT 'DESKTOP';

-- AlterTable
ALTER TABLE `woc_projects` MODIFY `archived` INTEGER NOT NULL DEFAULT 0;
