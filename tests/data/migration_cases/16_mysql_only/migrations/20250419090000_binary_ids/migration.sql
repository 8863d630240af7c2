-- AlterTable
ALTER TABLE `woc_invites` ADD COLUMN `publicId` BINARY(16) NOT NULL DEFAULT (uuid_to_bin(uuid()));

-- CreateIndex
CREATE UNIQUE INDEX `woc_invites_publicId_key` ON `woc_invites`(`publicId`);
