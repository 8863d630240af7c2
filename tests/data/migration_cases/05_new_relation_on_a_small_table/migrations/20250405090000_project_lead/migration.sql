-- AlterTable
ALTER TABLE `woc_projects` ADD COLUMN `leadId` VARCHAR(191) NULL;

-- CreateIndex
CREATE INDEX `woc_projects_leadId_idx` ON `woc_projects`(`leadId`);

-- AddForeignKey
ALTER TABLE `woc_projects` ADD CONSTRAINT `woc_projects_leadId_fkey` FOREIGN KEY (`leadId`) REFERENCES `woc_users`(`id`) ON DELETE SET NULL ON UPDATE CASCADE;
