-- CreateTable
CREATE TABLE `woc_tags` (
    `id` VARCHAR(191) NOT NULL,
    `organizationId` VARCHAR(191) NOT NULL,
    `name` VARCHAR(191) NOT NULL,
    `createdAt` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),

    INDEX `woc_tags_organizationId_idx`(`organizationId`),
    PRIMARY KEY (`id`)
) DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;

-- AddForeignKey
ALTER TABLE `woc_tags` ADD CONSTRAINT `woc_tags_organizationId_fkey` FOREIGN KEY (`organizationId`) REFERENCES `woc_organizations`(`id`) ON DELETE RESTRICT ON UPDATE CASCADE;
