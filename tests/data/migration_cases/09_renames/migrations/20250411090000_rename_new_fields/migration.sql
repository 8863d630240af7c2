-- AlterTable
ALTER TABLE `woc_users` ADD COLUMN `tz` VARCHAR(64) NULL;

-- AlterTable
ALTER TABLE `woc_users` RENAME COLUMN `tz` TO `timezone`;

-- RenameIndex
ALTER TABLE `woc_users` RENAME INDEX `woc_users_roleId_idx` TO `woc_users_role_idx`;
