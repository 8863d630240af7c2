-- AlterTable
ALTER TABLE `woc_time_entries` ADD COLUMN `approvedById` VARCHAR(191) NULL;

-- CreateIndex
CREATE INDEX `woc_time_entries_approvedById_idx` ON `woc_time_entries`(`approvedById`);

-- AddForeignKey
ALTER TABLE `woc_time_entries` ADD CONSTRAINT `woc_time_entries_approvedById_fkey` FOREIGN KEY (`approvedById`) REFERENCES `woc_users`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;
